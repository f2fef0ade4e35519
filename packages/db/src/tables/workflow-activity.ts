import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** n8n workflow executions, kept 7 days (`cleanup_old_workflow_activity`). */
export interface WorkflowActivityTable {
  id: Generated<number>;
  workflow_name: string;
  status: string;
  timestamp: Generated<Timestamp>;
  duration_ms: number | null;
  error: string | null;
}

export type WorkflowActivityEntry = Selectable<WorkflowActivityTable>;
export type NewWorkflowActivityEntry = Insertable<WorkflowActivityTable>;
export type WorkflowActivityEntryUpdate = Updateable<WorkflowActivityTable>;
