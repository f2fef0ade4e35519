import { type ErrorRequestHandler, type RequestHandler, type Response, Router } from 'express';
import { z } from 'zod';
import { AppError, type Logger, authorize, errorHandler, identityOf, parseInput } from '@arasul/service-kit';
import type { OllamaClient } from '../clients/ollama.client';
import { JobCancelledError, JobFailedError, runForCaller } from '../jobs/caller-job';
import type { JobsService } from '../jobs/jobs.service';
import { llmOptionsSchema } from '../jobs/llm-options.schema';
import type { JobEvent, JobResultExtras } from '../scheduler/job-events';
import { EventGate } from '../shared/event-gate';
import { NdjsonStream } from '../shared/sse';

/**
 * Ollama-compatible API under /ollama: chat, generate and embed go through the queue; tags, ps, show and
 * version are read from Ollama. Streams are newline-delimited JSON exactly like Ollama's (`stream` defaults to
 * true), errors are `{"error": "…"}` with Ollama's status codes. Headers are sent with the first chunk, as
 * Ollama does, so a job that fails before producing anything still gets a proper status.
 */

/** The same bounded options as every other facade; options Ollama knows but we do not pass are dropped. */
const options = llmOptionsSchema.optional();
const keepAlive = z.union([z.string(), z.number()]).optional();
const format = z.union([z.literal('json'), z.looseObject({})]).optional();

const chatBody = z.object({
  model: z.string().trim().min(1).max(100),
  messages: z
    .array(
      z.object({
        role: z.enum(['system', 'user', 'assistant', 'tool']),
        content: z.string().max(1_000_000),
        images: z.array(z.string()).max(16).optional(),
        thinking: z.string().optional(),
      }),
    )
    .max(1000)
    .default([]),
  stream: z.boolean().default(true),
  options,
  think: z.union([z.boolean(), z.enum(['low', 'medium', 'high'])]).optional(),
  format,
  keep_alive: keepAlive,
});

const generateBody = z.object({
  model: z.string().trim().min(1).max(100),
  prompt: z.string().max(1_000_000).default(''),
  suffix: z.string().max(100_000).optional(),
  system: z.string().max(100_000).optional(),
  template: z.string().max(100_000).optional(),
  raw: z.boolean().optional(),
  images: z.array(z.string()).max(16).optional(),
  stream: z.boolean().default(true),
  options,
  think: z.union([z.boolean(), z.enum(['low', 'medium', 'high'])]).optional(),
  format,
  keep_alive: keepAlive,
});

const embedBody = z.object({
  model: z.string().trim().min(1).max(100),
  input: z.union([z.string().max(100_000), z.array(z.string().max(100_000)).min(1).max(2048)]),
  truncate: z.boolean().optional(),
  options,
  dimensions: z.number().int().min(1).max(65_536).optional(),
  keep_alive: keepAlive,
});

const showBody = z.object({
  model: z.string().trim().min(1).max(100).optional(),
  name: z.string().optional(),
});

/** Ollama's error body: `{"error": "message"}`. */
function ollamaErrors(logger: Logger): ErrorRequestHandler {
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
    res
      .status(error.httpStatus)
      .json({ error: error.expose ? error.message : 'The service failed to handle the request.' });
  };
}

/** Relays job events as Ollama stream lines (or one answer); the first line opens the response. */
class OllamaRelay {
  private stream: NdjsonStream | undefined;
  private readonly gate = new EventGate<[JobEvent, JobResultExtras?]>();
  private content = '';
  private thinking = '';
  private model = '';
  /** The listener for the job: events wait until `start`. */
  readonly onEvent = this.gate.push;

  constructor(
    private readonly res: Response,
    private readonly kind: 'chat' | 'generate',
    private readonly streaming: boolean,
    private readonly fail: (error: AppError) => void,
  ) {}

  start(model: string): void {
    this.model = model;
    this.gate.open((event, extras) => this.relay(event, extras));
  }

  private relay(event: JobEvent, extras?: JobResultExtras): void {
    switch (event.type) {
      case 'token':
      case 'thinking':
        if (event.type === 'token') this.content += event.text;
        else this.thinking += event.text;
        if (this.streaming)
          this.line(
            this.piece(
              event.type === 'token' ? event.text : '',
              event.type === 'thinking' ? event.text : undefined,
            ),
          );
        return;
      case 'done': {
        const raw = extras?.raw ?? {};
        const final: Record<string, unknown> = {
          ...raw,
          model: this.model,
          created_at: new Date().toISOString(),
          done: true,
          done_reason: event.doneReason ?? 'stop',
        };
        if (this.kind === 'chat') {
          final.message = this.streaming
            ? { role: 'assistant', content: '' }
            : {
                role: 'assistant',
                content: this.content,
                ...(this.thinking ? { thinking: this.thinking } : {}),
              };
        } else {
          final.response = this.streaming ? '' : this.content;
          if (!this.streaming && this.thinking) final.thinking = this.thinking;
        }
        if (this.streaming) {
          this.line(final);
          this.stream?.end();
        } else {
          this.res.json(final);
        }
        return;
      }
      case 'error':
      case 'cancelled': {
        const error =
          event.type === 'error' ? new JobFailedError(event.code, event.message) : new JobCancelledError();
        if (this.stream) {
          this.line({ error: error.message });
          this.stream.end();
        } else {
          this.fail(error);
        }
        return;
      }
      default:
        return;
    }
  }

  private piece(content: string, thinking: string | undefined): Record<string, unknown> {
    const base = { model: this.model, created_at: new Date().toISOString() };
    if (this.kind === 'chat') {
      return {
        ...base,
        message: { role: 'assistant', content, ...(thinking === undefined ? {} : { thinking }) },
        done: false,
      };
    }
    return { ...base, response: content, ...(thinking === undefined ? {} : { thinking }), done: false };
  }

  private line(value: unknown): void {
    this.stream ??= new NdjsonStream(this.res);
    this.stream.send(value);
  }
}

export function ollamaRouter(deps: { jobs: JobsService; ollama: OllamaClient; logger: Logger }): Router {
  const { jobs, ollama } = deps;
  const router = Router();
  const chat = authorize({ role: 'operator', scope: 'llm:chat' });
  const view = authorize({ role: 'viewer', scope: 'llm:models' });

  const generation = (kind: 'chat' | 'generate') =>
    (async (req, res, next) => {
      const identity = identityOf(req);
      const parsed =
        kind === 'chat'
          ? parseInput(chatBody, req.body, 'request body')
          : parseInput(generateBody, req.body, 'request body');
      const { model, stream, keep_alive: _keepAlive, ...rest } = parsed;
      const relay = new OllamaRelay(res, kind, stream, (error) => next(error));
      const prompt =
        'messages' in parsed
          ? ([...parsed.messages].reverse().find((m) => m.role === 'user')?.content ?? '')
          : parsed.prompt;
      const admission = await runForCaller(
        jobs,
        {
          userId: identity.userId,
          apiKeyId: identity.apiKeyId,
          source: 'api',
          kind,
          model,
          priority: 'interactive',
          prompt,
          body: rest,
        },
        res,
        relay.onEvent,
      );
      relay.start(admission.model);
    }) as RequestHandler;

  router.post('/api/chat', chat, generation('chat'));
  router.post('/api/generate', chat, generation('generate'));

  router.post('/api/embed', chat, async (req, res, next) => {
    const { model, input, keep_alive: _keepAlive, ...rest } = parseInput(embedBody, req.body, 'request body');
    const inputs = Array.isArray(input) ? input : [input];
    const gate = new EventGate<[JobEvent, JobResultExtras?]>();
    await runForCaller(
      jobs,
      {
        userId: identityOf(req).userId,
        apiKeyId: identityOf(req).apiKeyId,
        source: 'api',
        kind: 'embed',
        model,
        priority: 'interactive',
        prompt: inputs[0]?.slice(0, 1000) ?? '',
        body: { input: inputs, ...rest },
      },
      res,
      gate.push,
    );
    gate.open((event, extras) => {
      if (event.type === 'done')
        res.json({ ...(extras?.raw ?? {}), model, embeddings: extras?.embeddings ?? [] });
      else if (event.type === 'error') next(new JobFailedError(event.code, event.message));
      else if (event.type === 'cancelled') next(new JobCancelledError());
    });
  });

  router.get('/api/tags', view, async (_req, res) => {
    res.json({ models: await ollama.tags() });
  });

  router.get('/api/ps', view, async (_req, res) => {
    res.json({ models: await ollama.runningModels() });
  });

  router.post('/api/show', view, async (req, res) => {
    const body = parseInput(showBody, req.body, 'request body');
    const model = body.model ?? body.name;
    if (!model) throw new AppError('validation_failed', 'model is required', 400);
    res.json(await ollama.show(model));
  });

  router.get('/api/version', view, async (_req, res) => {
    res.json({ version: await ollama.version() });
  });

  router.use(ollamaErrors(deps.logger));
  return router;
}
