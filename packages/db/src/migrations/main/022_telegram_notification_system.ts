/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 022: the Telegram notification system: delivery state on telegram_config, per-chat send
 * windows, a message log (kept 30 days) and per-alert cooldowns, with the functions the notifier calls
 * so that the check and the bookkeeping happen in one statement.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('telegram_config')
    .addColumn('notification_preferences', 'jsonb', (col) =>
      col.notNull().defaultTo(sql`'{
        "system_alerts": true,
        "self_healing_events": true,
        "service_status_changes": true,
        "login_alerts": true,
        "daily_summary": false,
        "quiet_hours_enabled": false,
        "quiet_hours_start": "22:00",
        "quiet_hours_end": "07:00"
      }'::jsonb`),
    )
    .addColumn('test_message_sent_at', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('last_error_at', 'timestamptz')
    .addColumn('connection_verified', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('connection_verified_at', 'timestamptz')
    .addColumn('bot_username', 'varchar(100)')
    .execute();

  // One row per chat and one-second window; the per-minute count is the sum over the last 60 windows.
  await db.schema
    .createTable('telegram_rate_limits')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('chat_id', 'varchar(50)', (col) => col.notNull())
    .addColumn('window_start', 'timestamptz', (col) => col.notNull())
    .addColumn('message_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_message_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('telegram_rate_limits_chat_window_key', ['chat_id', 'window_start'])
    .execute();
  await db.schema
    .createIndex('idx_telegram_rate_limits_chat')
    .on('telegram_rate_limits')
    .columns(['chat_id', 'window_start desc'])
    .execute();
  await db.schema
    .createIndex('idx_telegram_rate_limits_cleanup')
    .on('telegram_rate_limits')
    .column('window_start')
    .execute();

  await db.schema
    .createTable('telegram_message_log')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('chat_id', 'varchar(50)', (col) => col.notNull())
    .addColumn('message_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('severity', 'varchar(20)', (col) => col.notNull().defaultTo('info'))
    .addColumn('title', 'varchar(255)')
    .addColumn('message_text', 'text', (col) => col.notNull())
    .addColumn('message_id', 'integer')
    .addColumn('metadata', 'jsonb')
    .addColumn('sent_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('delivered', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('error_message', 'text')
    .addColumn('retry_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('source_event_id', 'integer', (col) =>
      col.references('notification_events.id').onDelete('set null'),
    )
    .addColumn('triggered_by', 'varchar(100)', (col) => col.notNull().defaultTo('system'))
    .addCheckConstraint(
      'telegram_message_log_severity_check',
      sql`severity IN ('info', 'warning', 'error', 'critical')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_telegram_message_log_chat')
    .on('telegram_message_log')
    .columns(['chat_id', 'sent_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_telegram_message_log_type')
    .on('telegram_message_log')
    .columns(['message_type', 'sent_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_telegram_message_log_severity')
    .on('telegram_message_log')
    .columns(['severity', 'sent_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_telegram_message_log_sent')
    .on('telegram_message_log')
    .column('sent_at desc')
    .execute();
  await db.schema
    .createIndex('idx_telegram_message_log_failed')
    .on('telegram_message_log')
    .column('delivered')
    .where(sql.ref('delivered'), '=', false)
    .execute();
  await db.schema
    .createIndex('idx_telegram_message_log_source_event')
    .on('telegram_message_log')
    .column('source_event_id')
    .execute();

  await db.schema
    .createTable('telegram_alert_cooldowns')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('alert_type', 'varchar(100)', (col) => col.notNull())
    .addColumn('chat_id', 'varchar(50)', (col) => col.notNull())
    .addColumn('last_alert_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('alert_count', 'integer', (col) => col.notNull().defaultTo(1))
    .addUniqueConstraint('telegram_alert_cooldowns_alert_chat_key', ['alert_type', 'chat_id'])
    .execute();
  await db.schema
    .createIndex('idx_telegram_alert_cooldowns_lookup')
    .on('telegram_alert_cooldowns')
    .columns(['alert_type', 'chat_id', 'last_alert_at'])
    .execute();

  // Returns true and counts the message when it may be sent now. Defaults follow Telegram's documented
  // per-chat limits (about one message per second, 20 per minute in groups). clock_timestamp(), not now(),
  // because a caller may send several messages inside one transaction.
  await sql`
    CREATE FUNCTION check_telegram_rate_limit(
      p_chat_id varchar,
      p_max_per_second integer DEFAULT 1,
      p_max_per_minute integer DEFAULT 20
    ) RETURNS boolean
    LANGUAGE plpgsql AS $$
    DECLARE
      v_now timestamptz := clock_timestamp();
      v_second timestamptz := date_trunc('second', v_now);
      v_in_second integer;
      v_in_minute integer;
    BEGIN
      -- Two senders for the same chat must not both take the last free slot.
      PERFORM pg_advisory_xact_lock(hashtext('check_telegram_rate_limit'), hashtext(p_chat_id));

      SELECT coalesce(sum(message_count) FILTER (WHERE window_start = v_second), 0),
             coalesce(sum(message_count), 0)
        INTO v_in_second, v_in_minute
        FROM telegram_rate_limits
       WHERE chat_id = p_chat_id
         AND window_start > v_second - interval '1 minute';

      IF v_in_second >= p_max_per_second OR v_in_minute >= p_max_per_minute THEN
        RETURN false;
      END IF;

      INSERT INTO telegram_rate_limits (chat_id, window_start, message_count, last_message_at)
      VALUES (p_chat_id, v_second, 1, v_now)
      ON CONFLICT (chat_id, window_start) DO UPDATE
        SET message_count = telegram_rate_limits.message_count + 1,
            last_message_at = EXCLUDED.last_message_at;
      RETURN true;
    END
    $$
  `.execute(db);

  // Returns true and starts a new cooldown when the alert may be sent; the upsert makes check-and-claim
  // atomic, so two notifiers racing on the same alert send it once.
  await sql`
    CREATE FUNCTION check_telegram_alert_cooldown(
      p_alert_type varchar,
      p_chat_id varchar,
      p_cooldown_minutes integer DEFAULT 15
    ) RETURNS boolean
    LANGUAGE plpgsql AS $$
    DECLARE
      v_allowed boolean;
    BEGIN
      INSERT INTO telegram_alert_cooldowns (alert_type, chat_id, last_alert_at, alert_count)
      VALUES (p_alert_type, p_chat_id, now(), 1)
      ON CONFLICT (alert_type, chat_id) DO UPDATE
        SET last_alert_at = EXCLUDED.last_alert_at,
            alert_count = telegram_alert_cooldowns.alert_count + 1
        WHERE telegram_alert_cooldowns.last_alert_at
              <= EXCLUDED.last_alert_at - make_interval(mins => p_cooldown_minutes)
      RETURNING true INTO v_allowed;
      RETURN coalesce(v_allowed, false);
    END
    $$
  `.execute(db);

  await sql`
    CREATE FUNCTION log_telegram_message(
      p_chat_id varchar,
      p_message_type varchar,
      p_message_text text,
      p_severity varchar DEFAULT 'info',
      p_title varchar DEFAULT NULL,
      p_message_id integer DEFAULT NULL,
      p_delivered boolean DEFAULT true,
      p_error_message text DEFAULT NULL,
      p_metadata jsonb DEFAULT NULL,
      p_source_event_id integer DEFAULT NULL,
      p_triggered_by varchar DEFAULT 'system'
    ) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      v_id integer;
    BEGIN
      INSERT INTO telegram_message_log (
        chat_id, message_type, message_text, severity, title, message_id,
        delivered, error_message, metadata, source_event_id, triggered_by
      ) VALUES (
        p_chat_id, p_message_type, p_message_text, p_severity, p_title, p_message_id,
        p_delivered, p_error_message, p_metadata, p_source_event_id, p_triggered_by
      )
      RETURNING id INTO v_id;
      RETURN v_id;
    END
    $$
  `.execute(db);

  // Retention (seed: rate limits 1 hour, message log 30 days).
  await sql`
    CREATE FUNCTION cleanup_telegram_rate_limits() RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      DELETE FROM telegram_rate_limits WHERE window_start < now() - interval '1 hour';
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);

  await sql`
    CREATE FUNCTION cleanup_telegram_message_logs(retention_days integer DEFAULT 30) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      DELETE FROM telegram_message_log WHERE sent_at < now() - make_interval(days => retention_days);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);

  await sql`
    CREATE VIEW v_telegram_stats_24h AS
    SELECT
      message_type,
      count(*) AS total_messages,
      count(*) FILTER (WHERE delivered) AS delivered_messages,
      count(*) FILTER (WHERE NOT delivered) AS failed_messages,
      count(*) FILTER (WHERE severity = 'critical') AS critical_messages,
      max(sent_at) AS last_sent_at
    FROM telegram_message_log
    WHERE sent_at > now() - interval '24 hours'
    GROUP BY message_type
  `.execute(db);

  // The cooldown length is the one configured in telegram_config (15 minutes when unset or not a number).
  await sql`
    CREATE VIEW v_telegram_active_cooldowns AS
    WITH config AS (
      SELECT coalesce(
        (SELECT (alert_thresholds ->> 'cooldown_minutes')::numeric
           FROM telegram_config
          WHERE id = 1 AND jsonb_typeof(alert_thresholds -> 'cooldown_minutes') = 'number'),
        15
      ) AS cooldown_minutes
    )
    SELECT
      c.alert_type,
      c.chat_id,
      c.last_alert_at,
      c.alert_count,
      c.last_alert_at + config.cooldown_minutes * interval '1 minute' AS cooldown_until
    FROM telegram_alert_cooldowns c
    CROSS JOIN config
    WHERE c.last_alert_at + config.cooldown_minutes * interval '1 minute' > now()
  `.execute(db);

  await sql`
    CREATE VIEW v_telegram_recent_messages AS
    SELECT
      id, chat_id, message_type, severity, title, message_text, message_id,
      delivered, error_message, retry_count, triggered_by, sent_at
    FROM telegram_message_log
    ORDER BY sent_at DESC, id DESC
    LIMIT 50
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP VIEW v_telegram_recent_messages`.execute(db);
  await sql`DROP VIEW v_telegram_active_cooldowns`.execute(db);
  await sql`DROP VIEW v_telegram_stats_24h`.execute(db);
  await sql`DROP FUNCTION cleanup_telegram_message_logs(integer)`.execute(db);
  await sql`DROP FUNCTION cleanup_telegram_rate_limits()`.execute(db);
  await sql`
    DROP FUNCTION log_telegram_message(
      varchar, varchar, text, varchar, varchar, integer, boolean, text, jsonb, integer, varchar
    )
  `.execute(db);
  await sql`DROP FUNCTION check_telegram_alert_cooldown(varchar, varchar, integer)`.execute(db);
  await sql`DROP FUNCTION check_telegram_rate_limit(varchar, integer, integer)`.execute(db);
  await db.schema.dropTable('telegram_alert_cooldowns').execute();
  await db.schema.dropTable('telegram_message_log').execute();
  await db.schema.dropTable('telegram_rate_limits').execute();
  await db.schema
    .alterTable('telegram_config')
    .dropColumn('bot_username')
    .dropColumn('connection_verified_at')
    .dropColumn('connection_verified')
    .dropColumn('last_error_at')
    .dropColumn('last_error')
    .dropColumn('test_message_sent_at')
    .dropColumn('notification_preferences')
    .execute();
}
