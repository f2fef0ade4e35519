import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

/** Last known state of each service, to detect changes across restarts of the watcher. */
export interface ServiceStatusCacheTable {
  /** Primary key. */
  service_name: string;
  container_name: string | null;
  /** running, stopped, exited, … */
  status: string;
  /** healthy, unhealthy, starting */
  health: string | null;
  last_status: string | null;
  last_health: string | null;
  status_changed_at: Generated<Timestamp>;
  last_checked_at: Generated<Timestamp>;
  metadata: Json | null;
}

export type ServiceStatusCacheEntry = Selectable<ServiceStatusCacheTable>;
export type NewServiceStatusCacheEntry = Insertable<ServiceStatusCacheTable>;
export type ServiceStatusCacheEntryUpdate = Updateable<ServiceStatusCacheTable>;
