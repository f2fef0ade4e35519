/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * The telegram-notifier's durable outbox and routing state on top of seed topics 019/020/022/024:
 * - `notification_events` becomes the outbox: one row per message to one destination (`telegram:<chat>` or
 *   `webhook:<id>`), unique per (envelope id, destination) so a redelivered event never makes a second
 *   message; `status` pending → sent | failed | suppressed, `next_attempt_at` for back-off and grouping.
 * - `telegram_chats`: every chat the bot may write to (owner, groups), learnt from a one-time /start code.
 * - `notification_webhooks`: the second channel (URL + HMAC secret, encrypted like the bot token).
 * - quiet hours per weekday with a time zone, grouping window and cooldown on the system-wide settings row;
 *   minimum severity, target chats and webhooks on the rules; the long-polling offset on telegram_config.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('notification_events')
    .addColumn('envelope_id', 'uuid')
    .addColumn('destination', 'varchar(120)')
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('pending'))
    .addColumn('subject', 'varchar(255)')
    .addColumn('group_key', 'varchar(255)')
    .addColumn('group_leader_id', 'integer', (col) =>
      col.references('notification_events.id').onDelete('set null'),
    )
    .addColumn('reply_to_event_id', 'integer', (col) =>
      col.references('notification_events.id').onDelete('set null'),
    )
    .addColumn('next_attempt_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('telegram_message_id', 'integer')
    .addColumn('last_attempt_at', 'timestamptz')
    .execute();
  await sql`
    ALTER TABLE notification_events ADD CONSTRAINT notification_events_status_check
    CHECK (status IN ('pending', 'sent', 'failed', 'suppressed'))
  `.execute(db);
  // Rows written before the outbox existed keep their meaning.
  await sql`UPDATE notification_events SET status = CASE WHEN notification_sent THEN 'sent' ELSE 'failed' END`.execute(
    db,
  );
  await db.schema
    .createIndex('notification_events_envelope_destination_key')
    .on('notification_events')
    .columns(['envelope_id', 'destination'])
    .unique()
    .where(sql.ref('envelope_id'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('idx_notification_events_due')
    .on('notification_events')
    .column('next_attempt_at')
    .where(sql.ref('status'), '=', 'pending')
    .execute();
  await db.schema
    .createIndex('idx_notification_events_group')
    .on('notification_events')
    .columns(['group_key', 'created_at desc'])
    .where(sql.ref('group_key'), 'is not', null)
    .execute();
  await db.schema
    .createIndex('idx_notification_events_subject')
    .on('notification_events')
    .columns(['subject', 'destination', 'created_at desc'])
    .execute();

  await db.schema
    .createTable('telegram_chats')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('chat_id', 'varchar(50)', (col) => col.notNull().unique())
    .addColumn('chat_type', 'varchar(20)', (col) => col.notNull())
    .addColumn('title', 'varchar(255)')
    // The admin who linked the chat; only such chats may run /restart.
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'telegram_chats_type_check',
      sql`chat_type IN ('private', 'group', 'supergroup', 'channel')`,
    )
    .execute();

  await db.schema
    .createTable('notification_webhooks')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('url', 'varchar(500)', (col) => col.notNull())
    .addColumn('secret_encrypted', 'text', (col) => col.notNull())
    .addColumn('secret_iv', 'text', (col) => col.notNull())
    .addColumn('secret_tag', 'text', (col) => col.notNull())
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .alterTable('notification_settings')
    // {"mon": {"start": "22:00", "end": "07:00"} | null, …}; a window may cross midnight.
    .addColumn('quiet_hours', 'jsonb')
    .addColumn('time_zone', 'varchar(64)', (col) => col.notNull().defaultTo('Europe/Berlin'))
    .addColumn('grouping_window_seconds', 'integer', (col) => col.notNull().defaultTo(30))
    .addColumn('cooldown_seconds', 'integer', (col) => col.notNull().defaultTo(900))
    .execute();
  await sql`
    ALTER TABLE notification_settings ADD CONSTRAINT notification_settings_grouping_check
    CHECK (grouping_window_seconds BETWEEN 0 AND 3600 AND cooldown_seconds BETWEEN 0 AND 86400)
  `.execute(db);

  await db.schema
    .alterTable('telegram_notification_rules')
    .addColumn('min_severity', 'varchar(20)', (col) => col.notNull().defaultTo('warning'))
    // NULL: every enabled chat.
    .addColumn('chat_ids', sql`varchar(50)[]`)
    .addColumn('send_to_webhooks', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`
    ALTER TABLE telegram_notification_rules ADD CONSTRAINT telegram_notification_rules_min_severity_check
    CHECK (min_severity IN ('info', 'warning', 'error', 'critical'))
  `.execute(db);

  await db.schema
    .alterTable('telegram_config')
    // The next getUpdates offset; stored after each update is handled so none is handled twice or skipped.
    .addColumn('polling_offset', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('daily_summary_time', 'time')
    .execute();

  await db.schema
    .alterTable('telegram_setup_sessions')
    // 'setup': a new bot token waits for its first chat; 'link': the configured bot learns one more chat.
    .addColumn('kind', 'varchar(20)', (col) => col.notNull().defaultTo('setup'))
    .addColumn('chat_title', 'varchar(255)')
    .addColumn('error', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('telegram_setup_sessions')
    .dropColumn('created_at')
    .dropColumn('error')
    .dropColumn('chat_title')
    .dropColumn('kind')
    .execute();
  await db.schema
    .alterTable('telegram_config')
    .dropColumn('daily_summary_time')
    .dropColumn('polling_offset')
    .execute();
  await sql`ALTER TABLE telegram_notification_rules DROP CONSTRAINT telegram_notification_rules_min_severity_check`.execute(
    db,
  );
  await db.schema
    .alterTable('telegram_notification_rules')
    .dropColumn('updated_at')
    .dropColumn('send_to_webhooks')
    .dropColumn('chat_ids')
    .dropColumn('min_severity')
    .execute();
  await sql`ALTER TABLE notification_settings DROP CONSTRAINT notification_settings_grouping_check`.execute(
    db,
  );
  await db.schema
    .alterTable('notification_settings')
    .dropColumn('cooldown_seconds')
    .dropColumn('grouping_window_seconds')
    .dropColumn('time_zone')
    .dropColumn('quiet_hours')
    .execute();
  await db.schema.dropTable('notification_webhooks').execute();
  await db.schema.dropTable('telegram_chats').execute();
  await db.schema.dropIndex('idx_notification_events_subject').execute();
  await db.schema.dropIndex('idx_notification_events_group').execute();
  await db.schema.dropIndex('idx_notification_events_due').execute();
  await db.schema.dropIndex('notification_events_envelope_destination_key').execute();
  await sql`ALTER TABLE notification_events DROP CONSTRAINT notification_events_status_check`.execute(db);
  await db.schema
    .alterTable('notification_events')
    .dropColumn('last_attempt_at')
    .dropColumn('telegram_message_id')
    .dropColumn('next_attempt_at')
    .dropColumn('reply_to_event_id')
    .dropColumn('group_leader_id')
    .dropColumn('group_key')
    .dropColumn('subject')
    .dropColumn('status')
    .dropColumn('destination')
    .dropColumn('envelope_id')
    .execute();
}
