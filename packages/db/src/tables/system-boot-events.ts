import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

/** One row per boot of the appliance. */
export interface SystemBootEventsTable {
  id: Generated<number>;
  boot_timestamp: Generated<Timestamp>;
  previous_shutdown_timestamp: Timestamp | null;
  shutdown_reason: string | null;
  uptime_before_shutdown_seconds: number | null;
  services_status_at_boot: Json | null;
  boot_duration_ms: number | null;
  notification_sent: Generated<boolean>;
  created_at: Generated<Timestamp>;
  /** Set by the self-healing agent right before it reboots the host (migration 045). */
  shutdown_requested_at: Timestamp | null;
  shutdown_request_reason: string | null;
  services_status_at_shutdown: Json | null;
}

export type SystemBootEvent = Selectable<SystemBootEventsTable>;
export type NewSystemBootEvent = Insertable<SystemBootEventsTable>;
export type SystemBootEventUpdate = Updateable<SystemBootEventsTable>;
