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
export type JobEvent = z.infer<typeof jobEventSchema>;
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

/** A job's state as the API shows it (`pending` → `queued`/`backend_unavailable`, `processing` → `running`). */
export const jobStatusSchema = z.enum([
  'queued',
  'backend_unavailable',
  'running',
  'completed',
  'failed',
  'cancelled',
]);
export type JobStatus = z.infer<typeof jobStatusSchema>;

const jobPrioritySchema = z.enum(['interactive', 'batch']);

/** `GET /api/llm/jobs/:id`, `DELETE /api/llm/jobs/:id` (the job after cancelling), items of `GET /api/llm/jobs`. */
export const jobSchema = z.object({
  id: z.string(),
  conversationId: z.string().nullable(),
  status: jobStatusSchema,
  model: z.string().nullable(),
  source: z.string(),
  kind: z.string(),
  priority: jobPrioritySchema,
  content: z.string(),
  thinking: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  usage: usageSchema.nullable(),
  timings: z.object({
    loadMs: z.number().nullable(),
    promptEvalMs: z.number().nullable(),
    evalMs: z.number().nullable(),
    tokensPerSecond: z.number().nullable(),
  }),
  position: z.number().int().nullable(),
  etaSeconds: z.number().nullable(),
  recoveryCount: z.number().int(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});
export type JobDto = z.infer<typeof jobSchema>;

/** `GET /api/llm/jobs` */
export const jobListSchema = z.object({ items: z.array(jobSchema) });
export type JobList = z.infer<typeof jobListSchema>;

/** `GET /api/llm/queue`: what runs and waits; other callers' jobs without id and source unless admin. */
export const queueOverviewSchema = z.object({
  backend: z.object({
    status: z.enum(['unknown', 'up', 'down']),
    reason: z.string().nullable(),
    since: z.string().nullable(),
  }),
  loadedModels: z.array(z.string()),
  tokensPerSecond: z.number().nullable(),
  running: z.array(
    z.object({
      jobId: z.string().nullable(),
      model: z.string(),
      source: z.string().nullable(),
      priority: jobPrioritySchema,
      startedAt: z.string(),
      chunks: z.number().int(),
      tokensPerSecond: z.number().nullable(),
      mine: z.boolean(),
    }),
  ),
  waitingCount: z.number().int(),
  queued: z.array(
    z.object({
      jobId: z.string().nullable(),
      position: z.number().int(),
      etaSeconds: z.number(),
      model: z.string(),
      priority: jobPrioritySchema,
      source: z.string().nullable(),
      waitingSeconds: z.number().int(),
      status: z.enum(['queued', 'backend_unavailable']),
      mine: z.boolean(),
    }),
  ),
});
export type QueueOverview = z.infer<typeof queueOverviewSchema>;
