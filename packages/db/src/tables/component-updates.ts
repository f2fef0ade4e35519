import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Per-component progress of an update; deleted with its update event. */
export interface ComponentUpdatesTable {
  id: Generated<number>;
  update_event_id: number;
  component_name: string;
  /** service, config, … */
  component_type: string;
  version_from: string | null;
  version_to: string | null;
  /** Defaults to 'pending'. */
  status: Generated<string>;
  started_at: Timestamp | null;
  completed_at: Timestamp | null;
  error_message: string | null;
}

export type ComponentUpdate = Selectable<ComponentUpdatesTable>;
export type NewComponentUpdate = Insertable<ComponentUpdatesTable>;
export type ComponentUpdateUpdate = Updateable<ComponentUpdatesTable>;
