import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

export type UpdateStatus = 'pending' | 'in_progress' | 'completed' | 'failed' | 'rolled_back';
export type UpdateSource = 'dashboard' | 'usb' | 'auto';

/** One row per update attempt; permanent history. */
export interface UpdateEventsTable {
  id: Generated<number>;
  /** NULL on a first install. */
  version_from: string | null;
  version_to: string;
  status: Generated<UpdateStatus>;
  source: UpdateSource;
  components_updated: Json | null;
  error_message: string | null;
  started_at: Generated<Timestamp>;
  completed_at: Timestamp | null;
  duration_seconds: number | null;
  requires_reboot: Generated<boolean>;
  /** Username or "system". */
  initiated_by: string | null;
}

export type UpdateEvent = Selectable<UpdateEventsTable>;
export type NewUpdateEvent = Insertable<UpdateEventsTable>;
export type UpdateEventUpdate = Updateable<UpdateEventsTable>;
