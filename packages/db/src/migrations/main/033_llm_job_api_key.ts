/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import type { Kysely } from 'kysely';

/**
 * `llm_jobs.api_key_id`: the API key a job was admitted for (NULL for signed-in users and internal callers),
 * so llm-queue can cap the waiting jobs per key as well as per user. A deleted key leaves its jobs (SET NULL).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('llm_jobs')
    .addColumn('api_key_id', 'integer', (col) => col.references('api_keys.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_jobs').dropColumn('api_key_id').execute();
}
