/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 006: persisted LLM jobs. The status CHECK is named so a later migration can widen it
 * (e.g. for cancellation) with DROP CONSTRAINT / ADD CONSTRAINT.
 */

export async function up(db: Kysely<any>): Promise<void> {
  // conversation_id is NULL for jobs that are not part of a chat (API clients, n8n, indexer summaries).
  await db.schema
    .createTable('llm_jobs')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('conversation_id', 'uuid', (col) =>
      col.references('chat_conversations.id').onDelete('cascade'),
    )
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('prompt', 'text', (col) => col.notNull())
    .addColumn('response', 'text')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'llm_jobs_status_check',
      sql`status IN ('pending', 'processing', 'completed', 'failed')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_llm_jobs_status_created')
    .on('llm_jobs')
    .columns(['status', 'created_at'])
    .execute();
  await db.schema.createIndex('idx_llm_jobs_conversation').on('llm_jobs').column('conversation_id').execute();
  await sql`
    CREATE TRIGGER trigger_llm_jobs_updated_at BEFORE UPDATE ON llm_jobs
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('llm_jobs').execute();
}
