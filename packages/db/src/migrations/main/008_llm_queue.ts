/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 008: the queue of waiting LLM jobs, one entry per job (1:1, hence UNIQUE job_id).
 * A higher priority is served first; within a priority, the oldest entry.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('llm_queue')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('job_id', 'uuid', (col) =>
      col.notNull().unique().references('llm_jobs.id').onDelete('cascade'),
    )
    .addColumn('priority', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('started_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('idx_llm_queue_next')
    .on('llm_queue')
    .columns(['priority desc', 'created_at'])
    .where(sql.ref('started_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('llm_queue').execute();
}
