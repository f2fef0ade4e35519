import { z } from 'zod';
import { type Env, commonEnvShape, env, loadConfig, loadConfigOrExit } from '@arasul/service-kit';

export const llmQueueEnvSchema = z.object({
  ...commonEnvShape,
  LLM_QUEUE_PORT: env.port(8082),
  LLM_QUEUE_HOST: z.string().default('127.0.0.1'),
  INTERNAL_SECRET: z.string().min(32, 'INTERNAL_SECRET must be at least 32 characters'),
  OLLAMA_URL: z.url().default('http://127.0.0.1:11434'),
  /** Used when no installed model is marked default (POST /api/models/default). */
  LLM_DEFAULT_MODEL: z.string().min(1).max(100).optional(),
  /** Generations running at once; 1 on a Jetson (one GPU, unified memory). */
  LLM_PARALLEL: env.int(1, 1, 16),
  /** A job waiting this long for a model other than the loaded one is served next (bounds model affinity). */
  LLM_MAX_WAIT_SECONDS: env.int(120, 1, 86_400),
  /** A batch job waiting this long is served like an interactive one (aging: batch is never starved). */
  LLM_BATCH_AGING_SECONDS: env.int(300, 1, 86_400),
  /** Waiting jobs beyond this are refused with 503 and Retry-After. */
  LLM_MAX_QUEUE: env.int(50, 1, 100_000),
  /** Waiting jobs per user (all their sessions and keys together); beyond → 429 naming the cap. */
  LLM_MAX_QUEUED_PER_USER: env.int(10, 1, 100_000),
  /** Waiting jobs per API key. */
  LLM_MAX_QUEUED_PER_KEY: env.int(10, 1, 100_000),
  /** Open LLM requests (streams and waiting callers) per user; beyond → 429 naming the cap. */
  LLM_MAX_STREAMS_PER_USER: env.int(20, 1, 100_000),
  /** Open LLM requests per API key. */
  LLM_MAX_STREAMS_PER_KEY: env.int(20, 1, 100_000),
  /** No token for this long → the job fails (`inactivity_timeout`); the upstream request is aborted. */
  LLM_INACTIVITY_TIMEOUT_SECONDS: env.int(600, 1, 86_400),
  /** While Ollama is unreachable, a waiting job fails after this long (`backend_unavailable`). */
  LLM_BACKEND_WAIT_TIMEOUT_SECONDS: env.int(600, 1, 86_400),
  /** How often an unreachable Ollama is probed again. */
  LLM_BACKEND_PROBE_MS: env.int(2000, 10, 60_000),
  /** Housekeeping of the scheduler: leadership, backend probe, wait timeouts, ETA updates. */
  LLM_TICK_MS: env.int(1000, 10, 60_000),
  /**
   * false (default): an admission that someone watches (an SSE stream or a waiting API caller) and that finds
   * a scheduler slot free commits without waiting for the WAL flush (`synchronous_commit = off` for that one
   * transaction), which takes an fsync off the first token's path. The job is durable at its first progress
   * write or the WAL writer's next flush (≤ 3 × wal_writer_delay); only a crash of PostgreSQL or the machine
   * in that window can lose it, and its caller's stream breaks with it. true: every admission waits for it.
   */
  LLM_ADMISSION_SYNC_COMMIT: env.bool(false),
  /** Generated text is written to the database at least this often while a job streams. */
  LLM_FLUSH_INTERVAL_MS: env.int(250, 10, 5000),
  /** SSE keep-alive for every stream (`heartbeat` event). */
  LLM_HEARTBEAT_SECONDS: env.int(15, 1, 300),
  /** Conversation messages sent to the model as history (the newest ones). */
  LLM_HISTORY_MESSAGES: env.int(50, 1, 1000),
  /** A model pull without progress for this long fails (`pull_stalled`). */
  LLM_PULL_STALL_SECONDS: env.int(300, 1, 3600),
  /** Connection attempts to Ollama per run (with back-off) before the backend counts as unavailable. */
  LLM_CONNECT_ATTEMPTS: env.int(3, 1, 10),
  LLM_CONNECT_BACKOFF_MS: env.int(250, 1, 30_000),
  /** Soft-deleted chats are purged this long after deletion (seed: 30 days). */
  CHAT_RETENTION_DAYS: env.int(30, 1, 3650),
  RETENTION_INTERVAL_SECONDS: env.int(3600, 1, 86_400),
  TRUST_PROXY: env.trustProxy(),
  /** document-indexer, asked for the chunks of a chat with documents (`POST /api/search`). */
  DOCUMENT_INDEXER_URL: z.url().default('http://127.0.0.1:8084'),
  RAG_SEARCH_TIMEOUT_MS: env.int(10_000, 100, 120_000),
  /** Prompt tokens the numbered document chunks of a RAG answer may take (the model's context minus room
   * for the history, the question and the answer). */
  RAG_CONTEXT_TOKENS: env.int(3000, 200, 200_000),
});

export type LlmQueueConfig = Readonly<z.output<typeof llmQueueEnvSchema>>;

/** Throws `ConfigError` listing every bad variable (tests use this). */
export function parseLlmQueueConfig(source: Env): LlmQueueConfig {
  return loadConfig(llmQueueEnvSchema, source);
}

/** For main: print every bad variable and exit non-zero. */
export function loadLlmQueueConfig(source: Env = process.env): LlmQueueConfig {
  return loadConfigOrExit(llmQueueEnvSchema, source);
}
