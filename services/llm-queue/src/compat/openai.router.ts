import { type ErrorRequestHandler, Router } from 'express';
import { z } from 'zod';
import { chatRagOptionSchema } from '@arasul/contracts';
import { AppError, type Logger, authorize, errorHandler, identityOf, parseInput } from '@arasul/service-kit';
import type { RagService } from '../rag/rag.service';
import type { OllamaClient } from '../clients/ollama.client';
import type { JobsService } from '../jobs/jobs.service';
import { SseStream } from '../shared/sse';
import { collectForCaller, runForCaller } from './caller-job';

/**
 * OpenAI-compatible API (the subset local clients use): chat completions (streamed or not, with usage),
 * models, embeddings. Every request is a job in the same queue as the dashboard's chats.
 */

const textPart = z.object({ type: z.literal('text'), text: z.string() });
const messageSchema = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  content: z.union([
    z.string(),
    z.array(z.union([textPart, z.looseObject({ type: z.string() })])).max(100),
    z.null(),
  ]),
});

const chatCompletionBody = z.object({
  model: z.string().trim().min(1).max(100).optional(),
  messages: z.array(messageSchema).min(1).max(1000),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  max_tokens: z.number().int().min(1).max(131_072).nullish(),
  max_completion_tokens: z.number().int().min(1).max(131_072).nullish(),
  stop: z.union([z.string().max(100), z.array(z.string().max(100)).max(16)]).nullish(),
  seed: z.number().int().nullish(),
  presence_penalty: z.number().min(-2).max(2).nullish(),
  frequency_penalty: z.number().min(-2).max(2).nullish(),
  n: z.literal(1).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  response_format: z.object({ type: z.enum(['text', 'json_object']) }).nullish(),
  /** Arasul extension: answer from the documents; the response carries `arasul.sources`. */
  arasul: z.object({ rag: chatRagOptionSchema.optional() }).strict().nullish(),
});

const embeddingsBody = z.object({
  model: z.string().trim().min(1).max(100),
  input: z.union([z.string().max(100_000), z.array(z.string().max(100_000)).min(1).max(2048)]),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int().min(1).max(65_536).optional(),
});

/** OpenAI clients send `null` for "not set" as often as they leave a field out. */
function given<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}

function textOf(content: z.infer<typeof messageSchema>['content']): string {
  if (content === null) return '';
  if (typeof content === 'string') return content;
  return content.map((part) => (part.type === 'text' && 'text' in part ? String(part.text) : '')).join('');
}

function base64Embedding(vector: number[]): string {
  const floats = Float32Array.from(vector);
  return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}

/** `{ error: { message, type, param, code } }`, the shape OpenAI clients parse. */
function openAiErrors(logger: Logger): ErrorRequestHandler {
  const fallback = errorHandler(logger);
  return (error: unknown, req, res, next) => {
    if (!(error instanceof AppError) || res.headersSent) {
      fallback(error, req, res, next);
      return;
    }
    logger.log(error.httpStatus < 500 || error.httpStatus === 503 ? 'warn' : 'error', 'request failed', {
      code: error.code,
      status: error.httpStatus,
      path: req.path,
    });
    for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
    const type =
      error.httpStatus === 401
        ? 'authentication_error'
        : error.httpStatus === 403
          ? 'permission_error'
          : error.httpStatus < 500
            ? 'invalid_request_error'
            : 'server_error';
    res.status(error.httpStatus).json({
      error: {
        message: error.expose ? error.message : 'The service failed to handle the request.',
        type,
        param: null,
        code: error.code,
      },
    });
  };
}

export function openAiRouter(deps: {
  jobs: JobsService;
  ollama: OllamaClient;
  logger: Logger;
  heartbeatMs: number;
  rag?: RagService;
}): Router {
  const { jobs } = deps;
  const router = Router();
  const chat = authorize({ role: 'operator', scope: 'llm:chat' });

  router.post('/chat/completions', chat, async (req, res) => {
    const body = parseInput(chatCompletionBody, req.body, 'request body');
    const identity = identityOf(req);
    const messages = body.messages.map((m) => ({
      role: m.role === 'developer' ? 'system' : m.role,
      content: textOf(m.content),
    }));
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    const options = {
      ...(given(body.temperature) ? { temperature: body.temperature } : {}),
      ...(given(body.top_p) ? { top_p: body.top_p } : {}),
      ...(given(maxTokens) ? { num_predict: maxTokens } : {}),
      ...(given(body.stop) ? { stop: Array.isArray(body.stop) ? body.stop : [body.stop] } : {}),
      ...(given(body.seed) ? { seed: body.seed } : {}),
      ...(given(body.presence_penalty) ? { presence_penalty: body.presence_penalty } : {}),
      ...(given(body.frequency_penalty) ? { frequency_penalty: body.frequency_penalty } : {}),
    };
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    const created = Math.floor(Date.now() / 1000);
    const ragOption = body.arasul?.rag;
    const plan =
      ragOption === undefined ||
      deps.rag === undefined ||
      lastUser === undefined ||
      lastUser.content.trim() === ''
        ? undefined
        : await deps.rag.plan(identity, lastUser.content, ragOption);
    if (plan?.kind === 'no_result') {
      // Nothing relevant in the documents: the honest answer, without a job.
      res.json({
        id: `chatcmpl-norag-${String(created)}`,
        object: 'chat.completion',
        created,
        model: body.model ?? 'none',
        system_fingerprint: 'arasul-llm-queue',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: plan.text },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
        arasul: { sources: [], marginal: false, noResult: true },
      });
      return;
    }
    const arasul = plan ? { sources: plan.sources, marginal: plan.marginal, noResult: false } : undefined;
    const input = {
      ...(plan ? { rag: plan.admission } : {}),
      userId: identity.userId,
      source: plan ? ('rag' as const) : ('api' as const),
      kind: 'chat' as const,
      ...(body.model === undefined ? {} : { model: body.model }),
      priority: 'interactive' as const,
      prompt: lastUser?.content ?? '',
      body: {
        messages,
        options,
        ...(body.response_format?.type === 'json_object' ? { format: 'json' } : {}),
      },
    };

    if (!body.stream) {
      const result = await collectForCaller(jobs, input, res);
      const usage = result.done.usage;
      res.json({
        id: `chatcmpl-${result.admission.jobId}`,
        object: 'chat.completion',
        created,
        model: result.admission.model,
        system_fingerprint: 'arasul-llm-queue',
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: result.content },
            logprobs: null,
            finish_reason: result.done.doneReason === 'length' ? 'length' : 'stop',
          },
        ],
        usage: {
          prompt_tokens: usage.promptTokens,
          completion_tokens: usage.completionTokens,
          total_tokens: usage.totalTokens,
        },
        ...(arasul ? { arasul } : {}),
      });
      return;
    }

    // Filled in once the job is admitted; events that come earlier wait in `pending`.
    const out: { stream?: SseStream; id: string; model: string } = { id: '', model: '' };
    const pending: Parameters<Parameters<typeof runForCaller>[3]>[] = [];
    const chunk = (
      delta: Record<string, unknown>,
      finishReason: string | null,
      extra: Record<string, unknown> = {},
    ) =>
      out.stream?.send({
        id: out.id,
        object: 'chat.completion.chunk',
        created,
        model: out.model,
        system_fingerprint: 'arasul-llm-queue',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...extra,
      });
    const onEvent = (...args: Parameters<Parameters<typeof runForCaller>[3]>) => {
      const stream = out.stream;
      if (!stream) {
        pending.push(args);
        return;
      }
      const [event] = args;
      if (event.type === 'token') chunk({ content: event.text }, null);
      else if (event.type === 'thinking') chunk({ reasoning: event.text }, null);
      else if (event.type === 'done') {
        const usage = {
          prompt_tokens: event.usage.promptTokens,
          completion_tokens: event.usage.completionTokens,
          total_tokens: event.usage.totalTokens,
        };
        chunk({}, event.doneReason === 'length' ? 'length' : 'stop', { usage });
        if (body.stream_options?.include_usage) {
          stream.send({
            id: out.id,
            object: 'chat.completion.chunk',
            created,
            model: out.model,
            choices: [],
            usage,
          });
        }
        stream.raw('data: [DONE]\n\n');
        stream.end();
      } else if (event.type === 'error' || event.type === 'cancelled') {
        const code = event.type === 'error' ? event.code : 'cancelled';
        const message = event.type === 'error' ? event.message : 'The job was cancelled.';
        stream.send({ error: { message, type: 'server_error', param: null, code } });
        stream.end();
      }
    };
    const admission = await runForCaller(jobs, input, res, onEvent);
    out.id = `chatcmpl-${admission.jobId}`;
    out.model = admission.model;
    out.stream = new SseStream(res, deps.heartbeatMs, null);
    chunk({ role: 'assistant', content: '' }, null, arasul ? { arasul } : {});
    for (const args of pending.splice(0)) onEvent(...args);
  });

  router.get('/models', authorize({ role: 'viewer', scope: 'llm:models' }), async (_req, res) => {
    const tags = await deps.ollama.tags();
    res.json({
      object: 'list',
      data: tags.map((t) => ({
        id: t.name,
        object: 'model',
        created: t.modified_at ? Math.floor(new Date(t.modified_at).getTime() / 1000) || 0 : 0,
        owned_by: 'library',
      })),
    });
  });

  router.post('/embeddings', chat, async (req, res) => {
    const body = parseInput(embeddingsBody, req.body, 'request body');
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const result = await collectForCaller(
      jobs,
      {
        userId: identityOf(req).userId,
        source: 'api',
        kind: 'embed',
        model: body.model,
        priority: 'interactive',
        prompt: inputs[0]?.slice(0, 1000) ?? '',
        body: { input: inputs, ...(body.dimensions === undefined ? {} : { dimensions: body.dimensions }) },
      },
      res,
    );
    const vectors = result.extras.embeddings ?? [];
    const tokens = result.done.usage.promptTokens;
    res.json({
      object: 'list',
      data: vectors.map((vector, index) => ({
        object: 'embedding',
        index,
        embedding: body.encoding_format === 'base64' ? base64Embedding(vector) : vector,
      })),
      model: result.admission.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens },
    });
  });

  router.use(openAiErrors(deps.logger));
  return router;
}
