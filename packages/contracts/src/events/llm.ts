import { z } from 'zod';
import { message, nonNegativeInt } from './common';

/** Who asked for the completion; llm-queue is the single path to the model, so it knows. */
export const llmJobSource = z.enum([
  'chat',
  'rag',
  'api',
  'n8n',
  'telegram',
  'datentabellen',
  'indexer',
  'selfhealing',
]);
export type LlmJobSource = z.infer<typeof llmJobSource>;

/** An LLM job reached a final state. Token counts are 0 when the model produced nothing. */
export const llmJobFinishedSchema = z.object({
  jobId: z.uuid(),
  model: z.string().min(1).max(100),
  outcome: z.enum(['completed', 'failed', 'cancelled']),
  promptTokens: nonNegativeInt,
  completionTokens: nonNegativeInt,
  durationMs: nonNegativeInt,
  source: llmJobSource,
  error: message.optional(),
});
export type LlmJobFinished = z.infer<typeof llmJobFinishedSchema>;
