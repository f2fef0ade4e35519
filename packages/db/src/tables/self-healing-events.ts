import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Json, Timestamp } from '../column-types';

export type SelfHealingSeverity = 'INFO' | 'WARNING' | 'CRITICAL';

/** What the self-healing agent saw and did, kept 7 days (`cleanup_old_self_healing_events`). */
export interface SelfHealingEventsTable {
  id: Generated<number>;
  event_type: string;
  severity: SelfHealingSeverity;
  description: string;
  action_taken: string | null;
  timestamp: Generated<Timestamp>;
  /** Migration 039: the service the event is about (`null` for box-wide guards). */
  service_name: string | null;
  /** What caused it: crashed, unhealthy, hung, disk, temperature, … */
  trigger: string | null;
  outcome: 'succeeded' | 'failed' | null;
  metadata: Json | null;
}

export type SelfHealingEvent = Selectable<SelfHealingEventsTable>;
export type NewSelfHealingEvent = Insertable<SelfHealingEventsTable>;
export type SelfHealingEventUpdate = Updateable<SelfHealingEventsTable>;
