/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/** Seed topic 013: apps installed from the app store. */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('installed_apps')
    .addColumn('id', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(255)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('version', 'varchar(50)', (col) => col.notNull())
    .addColumn('category', 'varchar(50)')
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('installed'))
    .addColumn('config', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('installed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('installed_apps_status_check', sql`status IN ('installed', 'running', 'stopped')`)
    .execute();
  await db.schema.createIndex('idx_installed_apps_status').on('installed_apps').column('status').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('installed_apps').execute();
}
