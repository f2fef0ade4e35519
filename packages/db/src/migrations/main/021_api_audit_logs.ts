/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 021: one row per API request seen by the gateway, kept 90 days.
 * Days are UTC days everywhere (index and views alike) so the date index is usable and immutable:
 * DATE(timestamptz) depends on the session time zone, DATE(timestamptz AT TIME ZONE 'UTC') does not.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_audit_logs')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('timestamp', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('username', 'varchar(255)')
    .addColumn('action_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('target_endpoint', 'varchar(500)', (col) => col.notNull())
    .addColumn('request_method', 'varchar(10)', (col) => col.notNull())
    .addColumn('request_payload', 'jsonb')
    .addColumn('response_status', 'integer', (col) => col.notNull())
    .addColumn('duration_ms', 'integer')
    .addColumn('ip_address', 'varchar(45)')
    .addColumn('user_agent', 'text')
    .addColumn('error_message', 'text')
    .execute();

  await db.schema
    .createIndex('idx_api_audit_logs_timestamp')
    .on('api_audit_logs')
    .column('timestamp desc')
    .execute();
  await db.schema
    .createIndex('idx_api_audit_logs_user_id')
    .on('api_audit_logs')
    .columns(['user_id', 'timestamp desc'])
    .execute();
  await db.schema
    .createIndex('idx_api_audit_logs_action_type')
    .on('api_audit_logs')
    .columns(['action_type', 'timestamp desc'])
    .execute();
  // The seed reference names this index twice (per-table list: _status, summary: _response_status) with
  // the same definition. Both names exist so the reference stays true; a later migration may drop one.
  await db.schema
    .createIndex('idx_api_audit_logs_status')
    .on('api_audit_logs')
    .columns(['response_status', 'timestamp desc'])
    .execute();
  await db.schema
    .createIndex('idx_api_audit_logs_response_status')
    .on('api_audit_logs')
    .columns(['response_status', 'timestamp desc'])
    .execute();
  await sql`
    CREATE INDEX idx_api_audit_logs_date_action
    ON api_audit_logs ((date("timestamp" AT TIME ZONE 'UTC')), action_type)
  `.execute(db);
  await db.schema
    .createIndex('idx_api_audit_logs_timestamp_action')
    .on('api_audit_logs')
    .columns(['timestamp desc', 'action_type'])
    .execute();
  await db.schema
    .createIndex('idx_api_audit_logs_endpoint')
    .on('api_audit_logs')
    .columns(['target_endpoint', 'timestamp desc'])
    .execute();
  await db.schema
    .createIndex('idx_api_audit_logs_errors')
    .on('api_audit_logs')
    .column('timestamp desc')
    .where(sql.ref('response_status'), '>=', 400)
    .execute();

  await sql`
    CREATE VIEW api_audit_daily_stats AS
    SELECT
      date("timestamp" AT TIME ZONE 'UTC') AS day,
      action_type,
      count(*) AS total_requests,
      count(*) FILTER (WHERE response_status < 400) AS successful_requests,
      count(*) FILTER (WHERE response_status >= 400) AS failed_requests,
      count(DISTINCT user_id) AS unique_users,
      round(avg(duration_ms), 2) AS avg_duration_ms,
      max(duration_ms) AS max_duration_ms
    FROM api_audit_logs
    GROUP BY date("timestamp" AT TIME ZONE 'UTC'), action_type
  `.execute(db);

  await sql`
    CREATE VIEW api_audit_endpoint_stats AS
    SELECT
      target_endpoint,
      request_method,
      count(*) AS total_requests,
      count(*) FILTER (WHERE response_status >= 400) AS error_count,
      round(avg(duration_ms), 2) AS avg_duration_ms,
      percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95_duration_ms,
      max(duration_ms) AS max_duration_ms,
      max("timestamp") AS last_request_at
    FROM api_audit_logs
    GROUP BY target_endpoint, request_method
  `.execute(db);

  await sql`
    CREATE FUNCTION cleanup_old_api_audit_logs(retention_days integer DEFAULT 90) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      DELETE FROM api_audit_logs WHERE "timestamp" < now() - make_interval(days => retention_days);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION cleanup_old_api_audit_logs(integer)`.execute(db);
  await sql`DROP VIEW api_audit_endpoint_stats`.execute(db);
  await sql`DROP VIEW api_audit_daily_stats`.execute(db);
  await db.schema.dropTable('api_audit_logs').execute();
}
