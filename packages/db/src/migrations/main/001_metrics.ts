/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/** Seed topic 001: system metrics. One narrow table per sampled metric, keyed by the sample time. */

const percentMetricTables = ['metrics_cpu', 'metrics_ram', 'metrics_gpu', 'metrics_temperature'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of percentMetricTables) {
    await db.schema
      .createTable(table)
      .addColumn('timestamp', 'timestamptz', (col) => col.primaryKey().defaultTo(sql`now()`))
      .addColumn('value', 'decimal(5, 2)', (col) => col.notNull())
      .execute();
  }

  await db.schema
    .createTable('metrics_disk')
    .addColumn('timestamp', 'timestamptz', (col) => col.primaryKey().defaultTo(sql`now()`))
    .addColumn('used', 'bigint', (col) => col.notNull())
    .addColumn('free', 'bigint', (col) => col.notNull())
    .addColumn('percent', 'decimal(5, 2)', (col) => col.notNull())
    .execute();

  // Retention (seed: metrics 7 days). The primary key on "timestamp" makes each range delete an index scan.
  await sql`
    CREATE FUNCTION cleanup_old_metrics(retention_days integer DEFAULT 7) RETURNS integer
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
      total := total + removed;

      RETURN total;
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION cleanup_old_metrics(integer)`.execute(db);
  await db.schema.dropTable('metrics_disk').execute();
  for (const table of [...percentMetricTables].reverse()) {
    await db.schema.dropTable(table).execute();
  }
}
