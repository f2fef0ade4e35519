import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Json, JsonObject, Timestamp } from '../column-types';

/** The outbox of the metrics alert events (migration 031); the row id is the envelope id. */
export interface MetricsAlertEventsTable {
  /** uuid, defaults to gen_random_uuid(). */
  id: Generated<string>;
  /** FK alert_history.id (cascade). */
  alert_id: number;
  event_type: 'metrics.alert.fired' | 'metrics.alert.resolved';
  /** The event payload as published. */
  payload: Json<JsonObject>;
  created_at: Generated<Timestamp>;
  /** Set once the broker confirmed the event; NULL while it waits. */
  published_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
}

export type MetricsAlertEvent = Selectable<MetricsAlertEventsTable>;
export type NewMetricsAlertEvent = Insertable<MetricsAlertEventsTable>;
export type MetricsAlertEventUpdate = Updateable<MetricsAlertEventsTable>;
