/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import type { Kysely } from 'kysely';

/**
 * `llm_jobs.api_key_id`: the API key a job was admitted for (NULL for signed-in users and internal callers),
 * so llm-queue can cap the waiting jobs per key as well as per user. A tag, not a foreign key: a key deleted
 * between the gateway's check and the admission must not turn the request into an error.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_jobs').addColumn('api_key_id', 'integer').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('llm_jobs').dropColumn('api_key_id').execute();
}
