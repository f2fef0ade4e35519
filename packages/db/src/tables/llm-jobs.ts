import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Json, JsonObject, Timestamp } from '../column-types';

/** 'cancelled' from migration 032. */
export type LlmJobStatus = 'pending' | 'processing' | 'completed' | 'failed' | 'cancelled';
/** Who asked for the job; the `source` of `llm.job.finished`. */
export type LlmJobSource =
  | 'chat'
  | 'rag'
  | 'api'
  | 'n8n'
  | 'telegram'
  | 'datentabellen'
  | 'indexer'
  // migration 040: the self-healing agent's diagnosis assistant
  | 'selfhealing';
/** Which Ollama endpoint runs it: /api/chat, /api/generate or /api/embed. */
export type LlmJobKind = 'chat' | 'generate' | 'embed';

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
  // Migration 032 (llm-queue scheduler):
  /** The user the job runs for; NULL for internal callers. */
  user_id: number | null;
  source: Generated<LlmJobSource>;
  kind: Generated<LlmJobKind>;
  /** The Ollama model name, resolved at admission. */
  model: string | null;
  /** What to send to Ollama besides the model (messages/prompt, options, think, format …). */
  request: Generated<Json<JsonObject>>;
  thinking: string | null;
  /** Stable error code next to the seed's `error` text. */
  error_code: string | null;
  /** The answer only goes to a waiting HTTP caller: cancelled when it leaves, failed after a restart. */
  bound_to_caller: Generated<boolean>;
  /** Restarts the job survived while running (at most 2, then it fails). */
  recovery_count: Generated<number>;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  prompt_eval_ms: number | null;
  eval_ms: number | null;
  load_ms: number | null;
  done_reason: string | null;
  /** Migration 033: the API key the job was admitted for (per-key caps); NULL for users and internal callers. */
  api_key_id: number | null;
}

export type LlmJob = Selectable<LlmJobsTable>;
export type NewLlmJob = Insertable<LlmJobsTable>;
export type LlmJobUpdate = Updateable<LlmJobsTable>;
