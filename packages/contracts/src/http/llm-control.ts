import { z } from 'zod';

/**
 * llm-queue's internal control endpoints (`/internal/llm/control/*`, bearer INTERNAL_SECRET), used by the
 * self-healing agent's guards: stop the running job(s) on heat, unload models on a hung GPU, pause batch
 * work under memory pressure, and read progress to tell a busy GPU from a hung one.
 */

const reason = z.string().trim().min(1).max(300);

/** `POST /internal/llm/control/stop-running`. */
export const llmStopRunningRequestSchema = z
  .object({
    reason,
    /** Also unload every model afterwards (`keep_alive: 0`), freeing the GPU. */
    unloadModels: z.boolean().default(false),
  })
  .strict();
export type LlmStopRunningRequest = z.input<typeof llmStopRunningRequestSchema>;

export const llmStopRunningResponseSchema = z.object({
  /** The jobs stopped; each failed with `stopped_by_system` and the reason. */
  stopped: z.array(z.string()),
  unloaded: z.array(z.string()),
});
export type LlmStopRunningResponse = z.infer<typeof llmStopRunningResponseSchema>;

/** `POST /internal/llm/control/unload`. */
export const llmUnloadRequestSchema = z.object({ reason }).strict();
export type LlmUnloadRequest = z.input<typeof llmUnloadRequestSchema>;

export const llmUnloadResponseSchema = z.object({ unloaded: z.array(z.string()) });
export type LlmUnloadResponse = z.infer<typeof llmUnloadResponseSchema>;

/** `PUT /internal/llm/control/batch`: pause (for at most `forSeconds`, renewable) or resume batch work. */
export const llmBatchRequestSchema = z.discriminatedUnion('paused', [
  z
    .object({
      paused: z.literal(true),
      reason,
      /** The pause ends by itself after this long unless renewed (a dead agent cannot keep it forever). */
      forSeconds: z.number().int().min(10).max(3600).default(900),
    })
    .strict(),
  z.object({ paused: z.literal(false) }).strict(),
]);
export type LlmBatchRequest = z.input<typeof llmBatchRequestSchema>;

export const llmBatchPauseSchema = z.object({
  reason: z.string(),
  since: z.iso.datetime(),
  until: z.iso.datetime(),
});

export const llmBatchResponseSchema = z.object({
  batchPaused: llmBatchPauseSchema.nullable(),
  /** Running batch jobs put back at the front of the queue (with their text so far). */
  requeued: z.array(z.string()),
});
export type LlmBatchResponse = z.infer<typeof llmBatchResponseSchema>;

/** `GET /internal/llm/control/progress`. */
export const llmProgressSchema = z.object({
  running: z.array(
    z.object({
      jobId: z.string(),
      model: z.string(),
      priority: z.enum(['interactive', 'batch']),
      startedAt: z.iso.datetime(),
      /** Chunks (≈ tokens) streamed so far. */
      tokens: z.number().int().nonnegative(),
      lastTokenAt: z.iso.datetime().nullable(),
    }),
  ),
  /** Every chunk generated since llm-queue started: the same number twice means no progress in between. */
  generatedTokens: z.number().int().nonnegative(),
  loadedModels: z.array(z.string()),
  batchPaused: llmBatchPauseSchema.nullable(),
});
export type LlmProgress = z.infer<typeof llmProgressSchema>;
