/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * What llm-queue needs to be the one fair, persistent, cancellable scheduler of the local model. Only adds to
 * the seed tables (nothing is renamed or dropped; the llm_jobs status CHECK is widened by 'cancelled'):
 *
 * - `chat_conversations.user_id`: a chat belongs to one user and goes with the account (CASCADE). NULL only
 *   for rows written before this migration, which no user can see.
 * - `chat_messages.status` / `job_id` / `model`: an assistant message is created empty when its job is queued
 *   and filled while it streams, so a reload shows the partial text; a cancelled or failed answer keeps the
 *   text it had, marked as such.
 * - `llm_jobs`: the owner, who asked (`source`, the `llm.job.finished` vocabulary), what to run (`kind`,
 *   `model`, `request`), the thinking text next to the response, token counts and timings (tokens/s for the
 *   ETA), and recovery bookkeeping: `recovery_count` (restarts survived while running, at most 2) and
 *   `bound_to_caller` (the answer only goes to a waiting HTTP caller, e.g. the OpenAI/Ollama APIs: such a job
 *   is cancelled when the caller leaves and failed, not re-run, after a restart).
 * - `llm_queue.resume_first`: a job that was running when the service died goes back to the front.
 * - `llm_installed_models`: size, digest and the last pull error, as reported by Ollama.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('chat_conversations')
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('cascade'))
    .execute();
  await sql`
    CREATE INDEX idx_conversations_user_updated ON chat_conversations (user_id, updated_at DESC)
    WHERE deleted_at IS NULL
  `.execute(db);

  await db.schema
    .alterTable('llm_jobs')
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('source', 'varchar(20)', (col) => col.notNull().defaultTo('chat'))
    .addColumn('kind', 'varchar(10)', (col) => col.notNull().defaultTo('chat'))
    .addColumn('model', 'varchar(100)')
    .addColumn('request', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('thinking', 'text')
    .addColumn('error_code', 'varchar(50)')
    .addColumn('bound_to_caller', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('recovery_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('prompt_tokens', 'integer')
    .addColumn('completion_tokens', 'integer')
    .addColumn('prompt_eval_ms', 'integer')
    .addColumn('eval_ms', 'integer')
    .addColumn('load_ms', 'integer')
    .addColumn('done_reason', 'varchar(20)')
    .execute();
  await sql`ALTER TABLE llm_jobs DROP CONSTRAINT llm_jobs_status_check`.execute(db);
  await sql`
    ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_status_check
    CHECK (status IN ('pending', 'processing', 'completed', 'failed', 'cancelled'))
  `.execute(db);
  await sql`
    ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_source_check
    CHECK (source IN ('chat', 'rag', 'api', 'n8n', 'telegram', 'datentabellen', 'indexer'))
  `.execute(db);
  await sql`
    ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_kind_check CHECK (kind IN ('chat', 'generate', 'embed'))
  `.execute(db);
  await sql`
    ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_recovery_count_check CHECK (recovery_count >= 0)
  `.execute(db);
  await db.schema
    .createIndex('idx_llm_jobs_user_created')
    .on('llm_jobs')
    .columns(['user_id', 'created_at desc'])
    .execute();
  // The ETA reads the throughput of the most recent completed jobs.
  await sql`
    CREATE INDEX idx_llm_jobs_finished_completed ON llm_jobs (finished_at DESC) WHERE status = 'completed'
  `.execute(db);

  await db.schema
    .alterTable('chat_messages')
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('complete'))
    .addColumn('job_id', 'uuid', (col) => col.references('llm_jobs.id').onDelete('set null'))
    .addColumn('model', 'varchar(100)')
    .execute();
  await sql`
    ALTER TABLE chat_messages ADD CONSTRAINT chat_messages_status_check
    CHECK (status IN ('queued', 'streaming', 'complete', 'cancelled', 'failed'))
  `.execute(db);
  await sql`CREATE INDEX idx_messages_job ON chat_messages (job_id) WHERE job_id IS NOT NULL`.execute(db);

  await db.schema
    .alterTable('llm_queue')
    .addColumn('resume_first', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();

  await db.schema
    .alterTable('llm_installed_models')
    .addColumn('size_bytes', 'bigint')
    .addColumn('digest', 'varchar(100)')
    .addColumn('error', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('llm_installed_models')
    .dropColumn('error')
    .dropColumn('digest')
    .dropColumn('size_bytes')
    .execute();
  await db.schema.alterTable('llm_queue').dropColumn('resume_first').execute();
  await db.schema
    .alterTable('chat_messages')
    .dropColumn('model')
    .dropColumn('job_id')
    .dropColumn('status')
    .execute();
  await sql`DELETE FROM llm_jobs WHERE status = 'cancelled'`.execute(db);
  await sql`ALTER TABLE llm_jobs DROP CONSTRAINT llm_jobs_status_check`.execute(db);
  await sql`
    ALTER TABLE llm_jobs ADD CONSTRAINT llm_jobs_status_check
    CHECK (status IN ('pending', 'processing', 'completed', 'failed'))
  `.execute(db);
  await db.schema
    .alterTable('llm_jobs')
    .dropColumn('done_reason')
    .dropColumn('load_ms')
    .dropColumn('eval_ms')
    .dropColumn('prompt_eval_ms')
    .dropColumn('completion_tokens')
    .dropColumn('prompt_tokens')
    .dropColumn('finished_at')
    .dropColumn('started_at')
    .dropColumn('recovery_count')
    .dropColumn('bound_to_caller')
    .dropColumn('error_code')
    .dropColumn('thinking')
    .dropColumn('request')
    .dropColumn('model')
    .dropColumn('kind')
    .dropColumn('source')
    .dropColumn('user_id')
    .execute();
  await db.schema.alterTable('chat_conversations').dropColumn('user_id').execute();
}
