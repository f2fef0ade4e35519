/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 010: alert thresholds (one row per metric) and the history of fired alerts.
 * The four default rows are inserted so alerting works on a fresh appliance before anyone opens the
 * settings page; their values are the seed's telegram alert_thresholds defaults.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TYPE alert_metric_type AS ENUM ('cpu', 'ram', 'disk', 'temperature')`.execute(db);
  await sql`CREATE TYPE alert_severity AS ENUM ('warning', 'critical')`.execute(db);

  await db.schema
    .createTable('alert_thresholds')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('metric_type', sql`alert_metric_type`, (col) => col.notNull().unique())
    .addColumn('warning_threshold', 'decimal(5, 2)', (col) => col.notNull())
    .addColumn('critical_threshold', 'decimal(5, 2)', (col) => col.notNull())
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('cooldown_seconds', 'integer', (col) => col.notNull().defaultTo(300))
    .addColumn('display_name', 'varchar(100)', (col) => col.notNull())
    .addCheckConstraint('alert_thresholds_order_check', sql`warning_threshold <= critical_threshold`)
    .addCheckConstraint('alert_thresholds_cooldown_check', sql`cooldown_seconds >= 0`)
    .execute();
  await db
    .insertInto('alert_thresholds')
    .values([
      { metric_type: 'cpu', warning_threshold: 80, critical_threshold: 95, display_name: 'CPU usage' },
      { metric_type: 'ram', warning_threshold: 80, critical_threshold: 95, display_name: 'RAM usage' },
      { metric_type: 'disk', warning_threshold: 80, critical_threshold: 95, display_name: 'Disk usage' },
      {
        metric_type: 'temperature',
        warning_threshold: 75,
        critical_threshold: 85,
        display_name: 'Temperature',
      },
    ])
    .execute();

  await db.schema
    .createTable('alert_history')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('metric_type', sql`alert_metric_type`, (col) => col.notNull())
    .addColumn('severity', sql`alert_severity`, (col) => col.notNull())
    .addColumn('value', 'decimal(10, 2)', (col) => col.notNull())
    .addColumn('threshold', 'decimal(10, 2)', (col) => col.notNull())
    .addColumn('triggered_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('resolved_at', 'timestamptz')
    .addColumn('notification_sent', 'boolean', (col) => col.notNull().defaultTo(false))
    .execute();
  await db.schema
    .createIndex('idx_alert_history_triggered')
    .on('alert_history')
    .column('triggered_at desc')
    .execute();
  // The evaluator asks "is there an open alert for this metric?" on every sample.
  await db.schema
    .createIndex('idx_alert_history_unresolved')
    .on('alert_history')
    .column('metric_type')
    .where(sql.ref('resolved_at'), 'is', null)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('alert_history').execute();
  await db.schema.dropTable('alert_thresholds').execute();
  await sql`DROP TYPE alert_severity`.execute(db);
  await sql`DROP TYPE alert_metric_type`.execute(db);
}
