/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 017: the audit log of administrative actions. An audit entry must outlive the account that
 * made it, so the user reference is SET NULL from the start (seed 028 had to fix user references later).
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('audit_logs')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('action', 'varchar(100)', (col) => col.notNull())
    .addColumn('resource_type', 'varchar(50)')
    .addColumn('resource_id', 'varchar(100)')
    .addColumn('details', 'jsonb')
    .addColumn('ip_address', 'varchar(45)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('idx_audit_logs_created').on('audit_logs').column('created_at desc').execute();
  await db.schema
    .createIndex('idx_audit_logs_user')
    .on('audit_logs')
    .columns(['user_id', 'created_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_audit_logs_action')
    .on('audit_logs')
    .columns(['action', 'created_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_audit_logs_resource')
    .on('audit_logs')
    .columns(['resource_type', 'resource_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('audit_logs').execute();
}
