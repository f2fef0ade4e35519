/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 018: Claude terminal queries. They are the user's own content, not an audit trail, so they
 * are deleted with the user (CASCADE).
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('claude_terminal_sessions')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('cascade'))
    .addColumn('query', 'text', (col) => col.notNull())
    .addColumn('response', 'text')
    .addColumn('context', 'jsonb')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('idx_claude_terminal_sessions_user')
    .on('claude_terminal_sessions')
    .columns(['user_id', 'created_at desc'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('claude_terminal_sessions').execute();
}
