/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Metrics collector: swap samples, hourly rollups, and alerts for every metric. Only adds to the seed
 * (no seed column is renamed, dropped or retyped):
 *
 * - `metrics_swap`: like the other percent tables of seed 001; `cleanup_old_metrics` now covers it too.
 * - `metrics_hourly_rollups`: min/avg/max/count per metric and hour, kept one year, so long history ranges
 *   never scan raw samples (which are kept 7 days).
 * - `alert_metric_type` gains `gpu` and `swap`. `ALTER TYPE … ADD VALUE` is allowed in a transaction since
 *   PostgreSQL 12, but the new label cannot be *used* before that transaction commits, and the migrator
 *   runs every pending migration in one transaction. So the type is rebuilt instead: a new enum with all
 *   six labels, both columns converted through text, the old type dropped and the new one renamed to the
 *   old name. A type created in the running transaction may be used at once, so the gpu and swap
 *   threshold rows are inserted right here.
 * - `alert_thresholds.for_samples` / `clear_delta`: anti-flap. A level fires after it held for
 *   `for_samples` consecutive samples and clears only `clear_delta` below its threshold.
 * - `alert_history`: the severity a row was opened with, when its severity last changed, the peak and the
 *   resolving value, and who acknowledged it. At most one open alert per metric (unique partial index).
 * - `metrics_alert_events`: the outbox of `metrics.alert.fired` / `metrics.alert.resolved`. Written in the
 *   same transaction as the alert_history change and published afterwards, so RabbitMQ being away never
 *   loses an alert event. The row id is the envelope id, so consumers dedupe a re-publish.
 */

const ALL_METRICS = ['cpu', 'ram', 'disk', 'temperature', 'gpu', 'swap'];
const SEED_METRICS = ['cpu', 'ram', 'disk', 'temperature'];

async function rebuildMetricEnum(db: Kysely<any>, labels: string[]): Promise<void> {
  await sql`CREATE TYPE alert_metric_type_next AS ENUM (${sql.join(labels.map((l) => sql.lit(l)))})`.execute(
    db,
  );
  for (const table of ['alert_thresholds', 'alert_history']) {
    await sql`
      ALTER TABLE ${sql.table(table)}
        ALTER COLUMN metric_type TYPE alert_metric_type_next USING metric_type::text::alert_metric_type_next
    `.execute(db);
  }
  await sql`DROP TYPE alert_metric_type`.execute(db);
  await sql`ALTER TYPE alert_metric_type_next RENAME TO alert_metric_type`.execute(db);
}

/** cleanup_old_metrics as seed 001 created it, plus (when `withSwap`) metrics_swap. */
async function defineCleanupOldMetrics(db: Kysely<any>, withSwap: boolean): Promise<void> {
  const swap = withSwap
    ? sql`
      DELETE FROM metrics_swap WHERE "timestamp" < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
      total := total + removed;`
    : sql``;
  await sql`
    CREATE OR REPLACE FUNCTION cleanup_old_metrics(retention_days integer DEFAULT 7) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      cutoff timestamptz;
      removed integer;
      total integer := 0;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      cutoff := now() - make_interval(days => retention_days);

      DELETE FROM metrics_cpu WHERE "timestamp" < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
      total := total + removed;
      DELETE FROM metrics_ram WHERE "timestamp" < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
      total := total + removed;
      DELETE FROM metrics_gpu WHERE "timestamp" < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
      total := total + removed;
      DELETE FROM metrics_temperature WHERE "timestamp" < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
      total := total + removed;
      DELETE FROM metrics_disk WHERE "timestamp" < cutoff;
      GET DIAGNOSTICS removed = ROW_COUNT;
      total := total + removed;${swap}

      RETURN total;
    END
    $$
  `.execute(db);
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('metrics_swap')
    .addColumn('timestamp', 'timestamptz', (col) => col.primaryKey().defaultTo(sql`now()`))
    .addColumn('value', 'decimal(5, 2)', (col) => col.notNull())
    .execute();
  await defineCleanupOldMetrics(db, true);

  await db.schema
    .createTable('metrics_hourly_rollups')
    .addColumn('metric', 'varchar(20)', (col) => col.notNull())
    // Start of the hour the row summarises.
    .addColumn('bucket', 'timestamptz', (col) => col.notNull())
    .addColumn('min_value', 'double precision', (col) => col.notNull())
    .addColumn('avg_value', 'double precision', (col) => col.notNull())
    .addColumn('max_value', 'double precision', (col) => col.notNull())
    .addColumn('sample_count', 'integer', (col) => col.notNull())
    .addPrimaryKeyConstraint('metrics_hourly_rollups_pkey', ['metric', 'bucket'])
    .addCheckConstraint(
      'metrics_hourly_rollups_metric_check',
      sql`metric IN (${sql.join(ALL_METRICS.map((m) => sql.lit(m)))})`,
    )
    .addCheckConstraint(
      'metrics_hourly_rollups_order_check',
      sql`min_value <= avg_value AND avg_value <= max_value AND sample_count > 0`,
    )
    .execute();
  // Retention deletes by age across all metrics.
  await db.schema
    .createIndex('idx_metrics_hourly_rollups_bucket')
    .on('metrics_hourly_rollups')
    .column('bucket')
    .execute();

  await rebuildMetricEnum(db, ALL_METRICS);

  await db.schema
    .alterTable('alert_thresholds')
    .addColumn('for_samples', 'integer', (col) => col.notNull().defaultTo(3))
    .addColumn('clear_delta', 'decimal(5, 2)', (col) => col.notNull().defaultTo(5))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`
    ALTER TABLE alert_thresholds
      ADD CONSTRAINT alert_thresholds_for_samples_check CHECK (for_samples BETWEEN 1 AND 100),
      ADD CONSTRAINT alert_thresholds_clear_delta_check CHECK (clear_delta >= 0)
  `.execute(db);
  await db
    .insertInto('alert_thresholds')
    .values([
      { metric_type: 'gpu', warning_threshold: 85, critical_threshold: 95, display_name: 'GPU usage' },
      // Swap in use at all is a sign of memory pressure on the Jetson (zram); half full is worth a look.
      { metric_type: 'swap', warning_threshold: 50, critical_threshold: 80, display_name: 'Swap usage' },
    ])
    .onConflict((oc) => oc.column('metric_type').doNothing())
    .execute();

  await db.schema
    .alterTable('alert_history')
    .addColumn('initial_severity', sql`alert_severity`)
    .addColumn('severity_changed_at', 'timestamptz')
    .addColumn('peak_value', 'decimal(10, 2)')
    .addColumn('resolved_value', 'decimal(10, 2)')
    .addColumn('acknowledged_at', 'timestamptz')
    .addColumn('acknowledged_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .execute();
  await sql`UPDATE alert_history SET initial_severity = severity, peak_value = value`.execute(db);
  await sql`ALTER TABLE alert_history ALTER COLUMN initial_severity SET NOT NULL`.execute(db);
  await db.schema
    .createIndex('idx_alert_history_acknowledged_by')
    .on('alert_history')
    .column('acknowledged_by')
    .execute();
  // Rows written before this migration could hold several open alerts for one metric; keep the newest.
  await sql`
    UPDATE alert_history h SET resolved_at = now()
     WHERE h.resolved_at IS NULL
       AND h.id <> (SELECT max(o.id) FROM alert_history o
                     WHERE o.metric_type = h.metric_type AND o.resolved_at IS NULL)
  `.execute(db);
  await db.schema
    .createIndex('idx_alert_history_one_open_per_metric')
    .on('alert_history')
    .column('metric_type')
    .unique()
    .where(sql.ref('resolved_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('idx_alert_history_metric_triggered')
    .on('alert_history')
    .columns(['metric_type', 'triggered_at desc'])
    .execute();

  await db.schema
    .createTable('metrics_alert_events')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('alert_id', 'integer', (col) =>
      col.notNull().references('alert_history.id').onDelete('cascade'),
    )
    .addColumn('event_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('payload', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('published_at', 'timestamptz')
    .addColumn('attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addCheckConstraint(
      'metrics_alert_events_type_check',
      sql`event_type IN ('metrics.alert.fired', 'metrics.alert.resolved')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_metrics_alert_events_alert')
    .on('metrics_alert_events')
    .column('alert_id')
    .execute();
  await db.schema
    .createIndex('idx_metrics_alert_events_pending')
    .on('metrics_alert_events')
    .column('created_at')
    .where(sql.ref('published_at'), 'is', null)
    .execute();
  await db.schema
    .createIndex('idx_metrics_alert_events_published')
    .on('metrics_alert_events')
    .column('published_at')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('metrics_alert_events').execute();
  await db.schema.dropIndex('idx_alert_history_metric_triggered').execute();
  await db.schema.dropIndex('idx_alert_history_one_open_per_metric').execute();
  await db.schema.dropIndex('idx_alert_history_acknowledged_by').execute();
  await db.schema
    .alterTable('alert_history')
    .dropColumn('acknowledged_by')
    .dropColumn('acknowledged_at')
    .dropColumn('resolved_value')
    .dropColumn('peak_value')
    .dropColumn('severity_changed_at')
    .dropColumn('initial_severity')
    .execute();
  await sql`
    ALTER TABLE alert_thresholds
      DROP CONSTRAINT alert_thresholds_clear_delta_check,
      DROP CONSTRAINT alert_thresholds_for_samples_check
  `.execute(db);
  await db.schema
    .alterTable('alert_thresholds')
    .dropColumn('updated_at')
    .dropColumn('clear_delta')
    .dropColumn('for_samples')
    .execute();
  await sql`DELETE FROM alert_history WHERE metric_type::text IN ('gpu', 'swap')`.execute(db);
  await sql`DELETE FROM alert_thresholds WHERE metric_type::text IN ('gpu', 'swap')`.execute(db);
  await rebuildMetricEnum(db, SEED_METRICS);

  await db.schema.dropTable('metrics_hourly_rollups').execute();
  await defineCleanupOldMetrics(db, false);
  await db.schema.dropTable('metrics_swap').execute();
}
