import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Rollbacks of an update to a backup. */
export interface UpdateRollbacksTable {
  id: Generated<number>;
  original_update_event_id: number | null;
  backup_id: number | null;
  rollback_reason: string | null;
  initiated_by: string | null;
  started_at: Generated<Timestamp>;
  completed_at: Timestamp | null;
  /** NULL while the rollback is running. */
  success: boolean | null;
  error_message: string | null;
}

export type UpdateRollback = Selectable<UpdateRollbacksTable>;
export type NewUpdateRollback = Insertable<UpdateRollbacksTable>;
export type UpdateRollbackUpdate = Updateable<UpdateRollbacksTable>;
