/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Retrieval settings (`GET/PUT /api/rag/settings`), owned by document-indexer: one row (id = 1) holding the
 * validated settings object, read on every search so a change applies without a restart. No row means the
 * built-in defaults.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rag_settings')
    .addColumn('id', 'smallint', (col) => col.primaryKey().check(sql`id = 1`))
    .addColumn('settings', 'jsonb', (col) => col.notNull())
    .addColumn('updated_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rag_settings').execute();
}
