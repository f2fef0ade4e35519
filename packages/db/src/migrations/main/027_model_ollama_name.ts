/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 027: the name Ollama knows a catalog model by (e.g. 'qwen3:8b-q8_0'), which may differ from
 * the catalog id. Existing rows get their id, which is what they were pulled as before this column existed.
 * Unique so a model reported by Ollama maps back to exactly one catalog entry.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_model_catalog').addColumn('ollama_name', 'varchar(255)').execute();
  await db
    .updateTable('llm_model_catalog')
    .set({ ollama_name: sql.ref('id') })
    .execute();
  await db.schema
    .createIndex('idx_llm_model_catalog_ollama_name')
    .on('llm_model_catalog')
    .column('ollama_name')
    .unique()
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('idx_llm_model_catalog_ollama_name').execute();
  await db.schema.alterTable('llm_model_catalog').dropColumn('ollama_name').execute();
}
