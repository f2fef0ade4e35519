/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/** Seed topic 003: self-healing events and n8n workflow activity, both kept 7 days. */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('self_healing_events')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('event_type', 'varchar(50)', (col) => col.notNull())
    .addColumn('severity', 'varchar(20)', (col) => col.notNull())
    .addColumn('description', 'text', (col) => col.notNull())
    .addColumn('action_taken', 'text')
    .addColumn('timestamp', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'self_healing_events_severity_check',
      sql`severity IN ('INFO', 'WARNING', 'CRITICAL')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_self_healing_events_timestamp')
    .on('self_healing_events')
    .column('timestamp desc')
    .execute();
  await db.schema
    .createIndex('idx_self_healing_events_type')
    .on('self_healing_events')
    .columns(['event_type', 'timestamp desc'])
    .execute();

  await db.schema
    .createTable('workflow_activity')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('workflow_name', 'varchar(255)', (col) => col.notNull())
    .addColumn('status', 'varchar(50)', (col) => col.notNull())
    .addColumn('timestamp', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('duration_ms', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema
    .createIndex('idx_workflow_activity_timestamp')
    .on('workflow_activity')
    .column('timestamp desc')
    .execute();
  await db.schema
    .createIndex('idx_workflow_activity_workflow')
    .on('workflow_activity')
    .columns(['workflow_name', 'timestamp desc'])
    .execute();

  await sql`
    CREATE FUNCTION cleanup_old_self_healing_events(retention_days integer DEFAULT 7) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      DELETE FROM self_healing_events WHERE "timestamp" < now() - make_interval(days => retention_days);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);

  await sql`
    CREATE FUNCTION cleanup_old_workflow_activity(retention_days integer DEFAULT 7) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      DELETE FROM workflow_activity WHERE "timestamp" < now() - make_interval(days => retention_days);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION cleanup_old_workflow_activity(integer)`.execute(db);
  await sql`DROP FUNCTION cleanup_old_self_healing_events(integer)`.execute(db);
  await db.schema.dropTable('workflow_activity').execute();
  await db.schema.dropTable('self_healing_events').execute();
}
