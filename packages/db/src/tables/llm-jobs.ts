import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

export type LlmJobStatus = 'pending' | 'processing' | 'completed' | 'failed';

/** Persisted LLM jobs, owned by llm-queue. */
export interface LlmJobsTable {
  /** uuid. */
  id: Generated<string>;
  /** NULL for jobs outside a chat. */
  conversation_id: string | null;
  status: Generated<LlmJobStatus>;
  prompt: string;
  response: string | null;
  error: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type LlmJob = Selectable<LlmJobsTable>;
export type NewLlmJob = Insertable<LlmJobsTable>;
export type LlmJobUpdate = Updateable<LlmJobsTable>;
