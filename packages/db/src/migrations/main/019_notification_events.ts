/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 019: platform events that may become notifications, per-channel notification settings,
 * the last known state of each service, boot records, and notification rate-limit windows.
 * A NULL user_id in settings and rate limits means "the system-wide row"; NULLS NOT DISTINCT keeps that
 * row unique too.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('notification_events')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('event_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('event_category', 'varchar(50)', (col) => col.notNull())
    .addColumn('source_service', 'varchar(100)')
    .addColumn('severity', 'varchar(20)', (col) => col.notNull().defaultTo('info'))
    .addColumn('title', 'varchar(255)', (col) => col.notNull())
    .addColumn('message', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('notification_sent', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('notification_sent_at', 'timestamptz')
    .addColumn('notification_error', 'text')
    .addColumn('retry_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'notification_events_severity_check',
      sql`severity IN ('info', 'warning', 'error', 'critical')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_notification_events_created')
    .on('notification_events')
    .column('created_at desc')
    .execute();
  await db.schema
    .createIndex('idx_notification_events_type')
    .on('notification_events')
    .columns(['event_type', 'created_at desc'])
    .execute();
  // The notifier's work list: events not yet delivered.
  await db.schema
    .createIndex('idx_notification_events_unsent')
    .on('notification_events')
    .column('created_at')
    .where(sql.ref('notification_sent'), '=', false)
    .execute();

  await db.schema
    .createTable('notification_settings')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('cascade'))
    .addColumn('channel', 'varchar(50)', (col) => col.notNull())
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    // NULL means every event type.
    .addColumn('event_types', sql`text[]`)
    .addColumn('min_severity', 'varchar(20)', (col) => col.notNull().defaultTo('warning'))
    .addColumn('rate_limit_per_minute', 'integer', (col) => col.notNull().defaultTo(10))
    .addColumn('rate_limit_per_hour', 'integer', (col) => col.notNull().defaultTo(100))
    .addColumn('quiet_hours_start', 'time')
    .addColumn('quiet_hours_end', 'time')
    .addColumn('telegram_chat_id', 'varchar(100)')
    .addColumn('telegram_bot_token_override', 'varchar(255)')
    .addColumn('webhook_url', 'varchar(500)')
    .addColumn('webhook_secret', 'varchar(255)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'notification_settings_channel_check',
      sql`channel IN ('telegram', 'webhook', 'email')`,
    )
    .addCheckConstraint(
      'notification_settings_min_severity_check',
      sql`min_severity IN ('info', 'warning', 'error', 'critical')`,
    )
    .addCheckConstraint(
      'notification_settings_rate_limits_check',
      sql`rate_limit_per_minute > 0 AND rate_limit_per_hour > 0`,
    )
    .addUniqueConstraint('notification_settings_user_channel_key', ['user_id', 'channel'], (constraint) =>
      constraint.nullsNotDistinct(),
    )
    .execute();
  await sql`
    CREATE TRIGGER trigger_notification_settings_updated_at BEFORE UPDATE ON notification_settings
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  await db.schema
    .createTable('service_status_cache')
    .addColumn('service_name', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('container_name', 'varchar(255)')
    .addColumn('status', 'varchar(50)', (col) => col.notNull())
    .addColumn('health', 'varchar(50)')
    .addColumn('last_status', 'varchar(50)')
    .addColumn('last_health', 'varchar(50)')
    .addColumn('status_changed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_checked_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('metadata', 'jsonb')
    .execute();

  await db.schema
    .createTable('system_boot_events')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('boot_timestamp', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('previous_shutdown_timestamp', 'timestamptz')
    .addColumn('shutdown_reason', 'varchar(100)')
    .addColumn('uptime_before_shutdown_seconds', 'integer')
    .addColumn('services_status_at_boot', 'jsonb')
    .addColumn('boot_duration_ms', 'integer')
    .addColumn('notification_sent', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('idx_system_boot_events_boot')
    .on('system_boot_events')
    .column('boot_timestamp desc')
    .execute();

  await db.schema
    .createTable('notification_rate_limits')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('cascade'))
    .addColumn('channel', 'varchar(50)', (col) => col.notNull())
    .addColumn('event_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('window_start', 'timestamptz', (col) => col.notNull())
    .addColumn('count', 'integer', (col) => col.notNull().defaultTo(0))
    .addUniqueConstraint(
      'notification_rate_limits_window_key',
      ['user_id', 'channel', 'event_type', 'window_start'],
      (constraint) => constraint.nullsNotDistinct(),
    )
    .execute();
  await db.schema
    .createIndex('idx_notification_rate_limits_window')
    .on('notification_rate_limits')
    .column('window_start')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('notification_rate_limits').execute();
  await db.schema.dropTable('system_boot_events').execute();
  await db.schema.dropTable('service_status_cache').execute();
  await db.schema.dropTable('notification_settings').execute();
  await db.schema.dropTable('notification_events').execute();
}
