import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Waiting LLM jobs, one entry per job; deleted with the job. */
export interface LlmQueueTable {
  id: Generated<number>;
  /** uuid; unique. */
  job_id: string;
  /** Higher is served first; default 0. */
  priority: Generated<number>;
  created_at: Generated<Timestamp>;
  started_at: Timestamp | null;
  /** Interrupted by a restart while running: served before everything else (migration 032). */
  resume_first: Generated<boolean>;
}

export type LlmQueueEntry = Selectable<LlmQueueTable>;
export type NewLlmQueueEntry = Insertable<LlmQueueTable>;
export type LlmQueueEntryUpdate = Updateable<LlmQueueTable>;
