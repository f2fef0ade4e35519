import { z } from 'zod';
import { chatRagOptionSchema, ragSourceSchema } from '../search';

const usageSchema = z.object({
  promptTokens: z.number().int(),
  completionTokens: z.number().int(),
  totalTokens: z.number().int(),
});

const timingsSchema = z.object({
  /** Wall time from start to the last token, in ms. */
  totalMs: z.number(),
  loadMs: z.number(),
  promptEvalMs: z.number(),
  evalMs: z.number(),
  tokensPerSecond: z.number().nullable(),
});

/**
 * One event of a job stream (`POST /api/llm/chat`, `GET /api/llm/jobs/:id/stream`): SSE `data:` lines
 * carry these as JSON, each with the `jobId`; the first `queued` event of a chat also names the messages.
 */
export const jobEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('queued'),
    position: z.number().int(),
    etaSeconds: z.number().nullable(),
    /** `completed`: a RAG answer that found nothing, answered at once (no job). */
    status: z.enum(['waiting', 'backend_unavailable', 'completed']),
    conversationId: z.string().nullish(),
    userMessageId: z.string().nullish(),
    assistantMessageId: z.string().nullish(),
    model: z.string().optional(),
  }),
  z.object({ type: z.literal('backend_unavailable'), reason: z.string() }),
  z.object({ type: z.literal('started'), model: z.string() }),
  z.object({ type: z.literal('model_loading'), model: z.string(), from: z.string().nullable() }),
  z.object({ type: z.literal('token'), text: z.string() }),
  z.object({ type: z.literal('thinking'), text: z.string() }),
  /** A RAG answer: the sources the model was given, before the first token (`marginal`: weak match). */
  z.object({
    type: z.literal('sources'),
    sources: z.array(ragSourceSchema),
    marginal: z.boolean().optional(),
  }),
  z.object({
    type: z.literal('done'),
    usage: usageSchema,
    timings: timingsSchema,
    doneReason: z.string().nullable(),
  }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
  z.object({ type: z.literal('cancelled') }),
  /** Everything so far, first on a (re)connected stream. */
  z.object({
    type: z.literal('snapshot'),
    status: z.string(),
    model: z.string().nullable(),
    content: z.string(),
    thinking: z.string(),
  }),
  z.object({ type: z.literal('heartbeat') }),
]);
/** The stream form: every event also names its job. */
export const jobStreamEventSchema = z.intersection(z.object({ jobId: z.string().nullish() }), jobEventSchema);
export type JobStreamEvent = z.infer<typeof jobStreamEventSchema>;

/** `POST /api/llm/chat`, the fields the dashboard sends (the service accepts more: priority, options, think). */
export const startChatRequestSchema = z.object({
  conversationId: z.uuid().optional(),
  message: z.string().trim().min(1).max(100_000),
  model: z.string().trim().min(1).max(100).optional(),
  /**
   * Answer from the documents (RAG); the conversation remembers it. Absent: the conversation's remembered
   * setting applies; null: a plain answer, and the conversation forgets the setting.
   */
  rag: chatRagOptionSchema.nullable().optional(),
});
export type StartChatRequest = z.input<typeof startChatRequestSchema>;
