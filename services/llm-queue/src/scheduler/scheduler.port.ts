import type { LlmJob, LlmJobKind, LlmJobSource } from '@arasul/db';
import type { OllamaClient } from '../clients/ollama.client';

/**
 * What the scheduler needs from outside, and nothing more: persistence of the queue (implemented over SQL
 * by the jobs feature, `jobs/queue.store.ts`), the upstream model server, and the model loader (the models
 * feature's `ModelState`). The scheduler imports no feature folder; the composition root (`app.ts`) plugs
 * the implementations in.
 */

/** Every column of llm_jobs. */
export type JobRow = LlmJob;

/** A waiting queue entry with what the policy needs. */
export interface WaitingRow {
  job_id: string;
  priority: number;
  created_at: Date;
  resume_first: boolean;
  model: string | null;
  user_id: number | null;
  source: LlmJobSource;
  kind: LlmJobKind;
  conversation_id: string | null;
}

/** The final state of a job as written once. */
export interface FinishRow {
  status: 'completed' | 'failed' | 'cancelled';
  response: string;
  thinking: string;
  errorCode: string | null;
  error: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  promptEvalMs: number | null;
  evalMs: number | null;
  loadMs: number | null;
  doneReason: string | null;
}

/** A final state without results (cancelled, failed before it ran). */
export function finishWithoutResult(
  job: Pick<JobRow, 'response' | 'thinking'>,
  status: FinishRow['status'],
  errorCode: string | null = null,
  error: string | null = null,
): FinishRow {
  return {
    status,
    response: job.response ?? '',
    thinking: job.thinking ?? '',
    errorCode,
    error,
    promptTokens: null,
    completionTokens: null,
    promptEvalMs: null,
    evalMs: null,
    loadMs: null,
    doneReason: null,
  };
}

/** Why a running job was stopped from outside. */
export type StopReason =
  | 'user'
  | 'caller_gone'
  | 'shutdown'
  | 'crash'
  | 'inactivity'
  | 'output_limit'
  /** The box protects itself (the self-healing agent: heat, a hung GPU); the job fails with the reason. */
  | 'system'
  /** Batch work is paused (memory pressure): the job goes back to the queue with its text so far. */
  | 'paused';

/** What recovery decides for a job a previous instance left behind. */
export type RecoveryDecision = { requeue: true } | { requeue: false; finish: FinishRow };

/** Persistence of the queue. Every method is atomic on its own. */
export interface QueueStore {
  /** Waiting entries, oldest first, at most `limit`. */
  listWaiting(limit: number): Promise<WaitingRow[]>;
  /** Takes a waiting job for running; undefined when somebody else got (or cancelled) it first. */
  claim(jobId: string): Promise<JobRow | undefined>;
  /** The text generated so far (every flush interval while streaming). */
  saveProgress(jobId: string, response: string, thinking: string): Promise<void>;
  /** Final state, the answer message, the queue entry removed and (completed) the model's usage counted. */
  finish(jobId: string, model: string | null, row: FinishRow): Promise<void>;
  /** A claimed job goes back to the front of the queue with its text so far. */
  requeue(jobId: string, text: { response: string; thinking: string }): Promise<void>;
  /** Finishes a job only while it still waits; returns it, or undefined when it no longer waits. */
  finishIfWaiting(jobId: string, build: (job: JobRow) => FinishRow): Promise<JobRow | undefined>;
  /**
   * After taking the leader lock, in one transaction: every `processing` job (an orphan) and every waiting
   * job bound to a gone caller is requeued or finished as `decide` says; half-written queue state repaired.
   */
  recover(
    decide: (job: JobRow, state: 'running' | 'waiting') => RecoveryDecision,
  ): Promise<{ failed: JobRow[]; requeued: number }>;
  /** The conversation before this job's question (for chat jobs that continue a conversation). */
  historyForJob(
    conversationId: string,
    jobId: string,
    limit: number,
  ): Promise<{ role: string; content: string }[]>;
}

/** The upstream model server (Ollama): only what running jobs and the backend probe use. */
export type Upstream = Pick<OllamaClient, 'generate' | 'embed' | 'version'>;

/** What is loaded in the model server, and the one way to switch models. */
export interface ModelLoader {
  loadedModels(): ReadonlySet<string>;
  current(): string | null;
  refresh(signal?: AbortSignal): Promise<void>;
  ensureLoaded(model: string, signal: AbortSignal, onLoading: (from: string | null) => void): Promise<void>;
  /** Unloads every model (`keep_alive: 0`); returns the names unloaded. */
  unloadAll(signal?: AbortSignal): Promise<string[]>;
}
