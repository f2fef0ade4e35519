/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Self-healing agent. Only adds to the seed (no seed column is renamed, dropped or retyped):
 *
 * - `self_healing_events` gains the service it is about, what triggered it, the outcome of an action and a
 *   small metadata object, so the incident timeline can be filtered per service and the budget counted from
 *   the rows themselves (`event_type = 'action'` inside the window) — which is why budgets survive a restart.
 * - `self_healing_service_state`: per service, what must survive an agent restart: the back-off step and
 *   until when it runs, since when the service is healthy (back-off reset), quarantine, and whether an
 *   operator stopped it on purpose.
 * - `self_healing_settings`: the operator's settings (singleton row `id = 1`); missing row = defaults.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('self_healing_events')
    .addColumn('service_name', 'varchar(100)')
    .addColumn('trigger', 'varchar(30)')
    .addColumn('outcome', 'varchar(20)')
    .addColumn('metadata', 'jsonb')
    .execute();
  await sql`
    ALTER TABLE self_healing_events
      ADD CONSTRAINT self_healing_events_outcome_check CHECK (outcome IS NULL OR outcome IN ('succeeded', 'failed'))
  `.execute(db);
  await db.schema
    .createIndex('idx_self_healing_events_service')
    .on('self_healing_events')
    .columns(['service_name', 'event_type', 'timestamp desc'])
    .execute();

  await db.schema
    .createTable('self_healing_service_state')
    .addColumn('service_name', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('backoff_attempt', 'integer', (col) =>
      col
        .notNull()
        .defaultTo(0)
        .check(sql`backoff_attempt >= 0`),
    )
    .addColumn('backoff_until', 'timestamptz')
    .addColumn('healthy_since', 'timestamptz')
    .addColumn('quarantined_at', 'timestamptz')
    .addColumn('quarantine_reason', 'text')
    .addColumn('stopped_by_operator', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'self_healing_service_state_quarantine_check',
      sql`(quarantined_at IS NULL) = (quarantine_reason IS NULL)`,
    )
    .execute();

  await db.schema
    .createTable('self_healing_settings')
    .addColumn('id', 'integer', (col) => col.primaryKey().check(sql`id = 1`))
    .addColumn('settings', 'jsonb', (col) => col.notNull())
    .addColumn('updated_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('self_healing_settings').execute();
  await db.schema.dropTable('self_healing_service_state').execute();
  await db.schema.dropIndex('idx_self_healing_events_service').execute();
  await sql`ALTER TABLE self_healing_events DROP CONSTRAINT self_healing_events_outcome_check`.execute(db);
  await db.schema
    .alterTable('self_healing_events')
    .dropColumn('metadata')
    .dropColumn('outcome')
    .dropColumn('trigger')
    .dropColumn('service_name')
    .execute();
}
