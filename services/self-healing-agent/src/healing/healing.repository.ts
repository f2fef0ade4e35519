import { type Kysely, type Transaction, sql } from 'kysely';
import type {
  Database,
  SelfHealingServiceState,
  SelfHealingServiceStateUpdate,
  SelfHealingSeverity,
} from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

/** `event_type` values of `self_healing_events` the agent writes. Only `action` rows count against the budget. */
export type HealingEventType =
  | 'detected'
  | 'action'
  | 'operator_action'
  | 'escalated'
  | 'quarantined'
  | 'released'
  | 'recovered'
  | 'skipped'
  | 'waiting';

export interface NewHealingEvent {
  eventType: HealingEventType;
  severity: SelfHealingSeverity;
  service: string | null;
  description: string;
  actionTaken?: string | null;
  trigger?: string | null;
  outcome?: 'succeeded' | 'failed' | null;
  metadata?: Record<string, unknown> | null;
}

export interface EventFilter {
  service?: string;
  severity?: SelfHealingSeverity;
  eventType?: string;
  before?: number;
  limit: number;
}

export async function insertEvent(db: Db, event: NewHealingEvent): Promise<number> {
  const row = await db
    .insertInto('self_healing_events')
    .values({
      event_type: event.eventType,
      severity: event.severity,
      service_name: event.service,
      description: event.description.slice(0, 4000),
      action_taken: event.actionTaken ?? null,
      trigger: event.trigger ?? null,
      outcome: event.outcome ?? null,
      metadata: event.metadata ? JSON.stringify(event.metadata) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Healing actions of the agent on `service` since `since`: what the budget counts. */
export async function countActionsSince(db: Db, service: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('self_healing_events')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('service_name', '=', service)
    .where('event_type', '=', 'action')
    .where('timestamp', '>=', since)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Per service, how many agent actions since `since` (for the status view). */
export async function countActionsPerService(db: Db, since: Date): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('self_healing_events')
    .select(['service_name', (eb) => eb.fn.countAll<string>().as('n')])
    .where('event_type', '=', 'action')
    .where('timestamp', '>=', since)
    .where('service_name', 'is not', null)
    .groupBy('service_name')
    .execute();
  return new Map(rows.map((r) => [r.service_name ?? '', Number(r.n)]));
}

/** The latest action (agent or operator) per service. */
export async function lastActionPerService(db: Db) {
  return db
    .selectFrom('self_healing_events')
    .distinctOn('service_name')
    .select(['service_name', 'action_taken', 'outcome', 'timestamp'])
    .where('event_type', 'in', ['action', 'operator_action'])
    .where('service_name', 'is not', null)
    .where('action_taken', 'is not', null)
    .orderBy('service_name')
    .orderBy('timestamp', 'desc')
    .orderBy('id', 'desc')
    .execute();
}

export async function listEvents(db: Db, filter: EventFilter) {
  let query = db
    .selectFrom('self_healing_events')
    .select([
      'id',
      'event_type',
      'severity',
      'service_name',
      'description',
      'action_taken',
      'trigger',
      'outcome',
      'timestamp',
    ])
    .orderBy('id', 'desc')
    .limit(filter.limit + 1);
  if (filter.service !== undefined) query = query.where('service_name', '=', filter.service);
  if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity);
  if (filter.eventType !== undefined) query = query.where('event_type', '=', filter.eventType);
  if (filter.before !== undefined) query = query.where('id', '<', filter.before);
  return query.execute();
}

export async function loadStates(db: Db): Promise<SelfHealingServiceState[]> {
  return db.selectFrom('self_healing_service_state').selectAll().execute();
}

export async function saveState(
  db: Db,
  service: string,
  patch: Omit<SelfHealingServiceStateUpdate, 'service_name' | 'updated_at'>,
): Promise<SelfHealingServiceState> {
  return db
    .insertInto('self_healing_service_state')
    .values({ service_name: service, ...patch })
    .onConflict((oc) => oc.column('service_name').doUpdateSet({ ...patch, updated_at: sql`now()` }))
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Keeps `service_status_cache` current; returns the previous status/health (`null` when first seen). */
export async function recordStatus(
  db: Db,
  service: string,
  status: string,
  health: string,
  metadata: Record<string, unknown>,
): Promise<{ status: string | null; health: string | null }> {
  const previous = await db
    .selectFrom('service_status_cache')
    .select(['status', 'health'])
    .where('service_name', '=', service)
    .executeTakeFirst();
  await db
    .insertInto('service_status_cache')
    .values({ service_name: service, status, health, metadata: JSON.stringify(metadata) })
    .onConflict((oc) =>
      oc.column('service_name').doUpdateSet({
        last_status: sql`service_status_cache.status`,
        last_health: sql`service_status_cache.health`,
        status,
        health,
        metadata: JSON.stringify(metadata),
        last_checked_at: sql`now()`,
        status_changed_at: sql`CASE WHEN service_status_cache.status IS DISTINCT FROM ${status}
          OR service_status_cache.health IS DISTINCT FROM ${health} THEN now() ELSE service_status_cache.status_changed_at END`,
      }),
    )
    .execute();
  return { status: previous?.status ?? null, health: previous?.health ?? null };
}

export async function loadSettings(db: Db): Promise<unknown> {
  const row = await db
    .selectFrom('self_healing_settings')
    .select('settings')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.settings ?? null;
}

export async function storeSettings(db: Db, settings: unknown, userId: number | null): Promise<void> {
  const json = JSON.stringify(settings);
  await db
    .insertInto('self_healing_settings')
    .values({ id: 1, settings: json, updated_by: userId })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet({ settings: json, updated_by: userId, updated_at: sql`now()` }),
    )
    .execute();
}
