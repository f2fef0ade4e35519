/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 004: signed offline updates. Update history is permanent, so backups and rollbacks keep their
 * rows (SET NULL) if the event they point at is ever removed; per-component rows belong to their event.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('update_events')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('version_from', 'varchar(20)')
    .addColumn('version_to', 'varchar(20)', (col) => col.notNull())
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('source', 'varchar(50)', (col) => col.notNull())
    .addColumn('components_updated', 'jsonb')
    .addColumn('error_message', 'text')
    .addColumn('started_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .addColumn('duration_seconds', 'integer')
    .addColumn('requires_reboot', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('initiated_by', 'varchar(50)')
    .addCheckConstraint(
      'update_events_status_check',
      sql`status IN ('pending', 'in_progress', 'completed', 'failed', 'rolled_back')`,
    )
    .addCheckConstraint('update_events_source_check', sql`source IN ('dashboard', 'usb', 'auto')`)
    .execute();
  await db.schema
    .createIndex('idx_update_events_started')
    .on('update_events')
    .column('started_at desc')
    .execute();
  await db.schema.createIndex('idx_update_events_status').on('update_events').column('status').execute();

  await db.schema
    .createTable('update_backups')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('backup_path', 'varchar(500)', (col) => col.notNull())
    .addColumn('update_event_id', 'integer', (col) => col.references('update_events.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('backup_size_mb', 'decimal(10, 2)')
    .addColumn('components', 'jsonb')
    .addColumn('restoration_tested', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('notes', 'text')
    .execute();
  await db.schema
    .createIndex('idx_update_backups_update_event_id')
    .on('update_backups')
    .column('update_event_id')
    .execute();

  await db.schema
    .createTable('update_files')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('filename', 'varchar(255)', (col) => col.notNull())
    .addColumn('file_path', 'varchar(500)', (col) => col.notNull())
    .addColumn('checksum_sha256', 'varchar(64)', (col) => col.notNull())
    .addColumn('file_size_bytes', 'bigint', (col) => col.notNull())
    .addColumn('source', 'varchar(50)', (col) => col.notNull())
    .addColumn('uploaded_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('signature_verified', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('manifest', 'jsonb')
    .addColumn('validation_status', 'varchar(20)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('applied', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex('idx_update_files_checksum')
    .on('update_files')
    .column('checksum_sha256')
    .execute();
  await db.schema
    .createIndex('idx_update_files_uploaded')
    .on('update_files')
    .column('uploaded_at desc')
    .execute();

  await db.schema
    .createTable('update_rollbacks')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('original_update_event_id', 'integer', (col) =>
      col.references('update_events.id').onDelete('set null'),
    )
    .addColumn('backup_id', 'integer', (col) => col.references('update_backups.id').onDelete('set null'))
    .addColumn('rollback_reason', 'text')
    .addColumn('initiated_by', 'varchar(50)')
    .addColumn('started_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    // NULL while the rollback is still running.
    .addColumn('success', 'boolean')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema
    .createIndex('idx_update_rollbacks_original_update_event_id')
    .on('update_rollbacks')
    .column('original_update_event_id')
    .execute();
  await db.schema
    .createIndex('idx_update_rollbacks_backup_id')
    .on('update_rollbacks')
    .column('backup_id')
    .execute();

  await db.schema
    .createTable('component_updates')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('update_event_id', 'integer', (col) =>
      col.notNull().references('update_events.id').onDelete('cascade'),
    )
    .addColumn('component_name', 'varchar(100)', (col) => col.notNull())
    .addColumn('component_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('version_from', 'varchar(20)')
    .addColumn('version_to', 'varchar(20)')
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('started_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('error_message', 'text')
    .execute();
  await db.schema
    .createIndex('idx_component_updates_update_event_id')
    .on('component_updates')
    .column('update_event_id')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('component_updates').execute();
  await db.schema.dropTable('update_rollbacks').execute();
  await db.schema.dropTable('update_files').execute();
  await db.schema.dropTable('update_backups').execute();
  await db.schema.dropTable('update_events').execute();
}
