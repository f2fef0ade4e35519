import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** What the self-healing agent must remember about a service across its own restarts. */
export interface SelfHealingServiceStateTable {
  service_name: string;
  /** 0 = no back-off running; n = the n-th action of the current problem. */
  backoff_attempt: Generated<number>;
  /** No automatic action before this time. */
  backoff_until: Timestamp | null;
  /** Healthy without interruption since (back-off resets after 10 min of it). */
  healthy_since: Timestamp | null;
  quarantined_at: Timestamp | null;
  quarantine_reason: string | null;
  /** An operator stopped it on purpose: the agent leaves it alone. */
  stopped_by_operator: Generated<boolean>;
  updated_at: Generated<Timestamp>;
}

export type SelfHealingServiceState = Selectable<SelfHealingServiceStateTable>;
export type NewSelfHealingServiceState = Insertable<SelfHealingServiceStateTable>;
export type SelfHealingServiceStateUpdate = Updateable<SelfHealingServiceStateTable>;
