import { type Response, Router } from 'express';
import { z } from 'zod';
import { chatRagOptionSchema } from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import { prepareRagTurn } from '../rag/rag.chat';
import type { RagService } from '../rag/rag.service';
import { type JobEvent, isTerminal } from '../scheduler/job-events';
import { EventGate } from '../shared/event-gate';
import { SseStream } from '../shared/sse';
import type { JobsService } from './jobs.service';
import { llmOptionsSchema } from './llm-options.schema';

const chatBody = z
  .object({
    conversationId: z.uuid().optional(),
    message: z.string().trim().min(1).max(100_000),
    model: z.string().trim().min(1).max(100).optional(),
    priority: z.enum(['interactive', 'batch']).default('interactive'),
    options: llmOptionsSchema.optional(),
    think: z.boolean().optional(),
    stream: z.boolean().default(true),
    /**
     * Answer from the documents (of these spaces); the conversation keeps the setting. Absent: the
     * conversation's remembered setting applies; null: a plain answer, and the conversation forgets it.
     */
    rag: chatRagOptionSchema.nullable().optional(),
  })
  .strict();

const idParams = z.object({ id: z.uuid() });
const listQuery = z.object({
  conversationId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});

export interface JobsRouterDeps {
  jobs: JobsService;
  heartbeatMs: number;
  /** Retrieval for chats with documents. */
  rag?: RagService;
}

/**
 * A job's events on an SSE response: held back until the response is open (`EventGate`), each tagged
 * with the job id; the response ends after the terminal event.
 */
class SseRelay {
  private readonly gate = new EventGate<[JobEvent]>();
  readonly listener = this.gate.push;

  constructor(private readonly jobId: () => string | undefined) {}

  open(
    res: Response,
    heartbeatMs: number,
    first?: Record<string, unknown>,
    more: readonly Record<string, unknown>[] = [],
  ): SseStream {
    // Headers, the first event and whatever the job said meanwhile leave in one write (one packet).
    res.cork();
    const stream = new SseStream(res, heartbeatMs, () => ({ type: 'heartbeat', jobId: this.jobId() }));
    try {
      if (first) stream.send(first);
      for (const event of more) stream.send({ ...event, jobId: this.jobId() });
      this.gate.open((event) => {
        stream.send({ ...event, jobId: this.jobId() });
        if (isTerminal(event)) stream.end();
      });
    } finally {
      res.uncork();
    }
    return stream;
  }
}

/** `/api/llm`: chat jobs with streaming, job state, cancel, the queue. */
export function jobsRouter(deps: JobsRouterDeps): Router {
  const { jobs } = deps;
  const router = Router();
  const operate = authorize({ role: 'operator', scope: 'llm:chat' });

  router.post('/chat', operate, async (req, res) => {
    const body = parseInput(chatBody, req.body, 'request body');
    const identity = identityOf(req);
    const rag =
      deps.rag === undefined
        ? undefined
        : await prepareRagTurn(
            deps.rag,
            {
              identity,
              message: body.message,
              conversationId: body.conversationId,
              rag: body.rag,
              stream: body.stream,
              heartbeatMs: deps.heartbeatMs,
            },
            res,
          );
    if (rag?.kind === 'answered') return;
    const admitted: { jobId?: string } = {};
    const relay = new SseRelay(() => admitted.jobId);
    const { admission, unsubscribe } = await jobs.admit(
      {
        userId: identity.userId,
        apiKeyId: identity.apiKeyId,
        source: rag ? 'rag' : 'chat',
        kind: 'chat',
        ...(body.model === undefined ? {} : { model: body.model }),
        priority: body.priority,
        prompt: body.message,
        body: {
          ...(body.options === undefined ? {} : { options: body.options }),
          ...(body.think === undefined ? {} : { think: body.think }),
        },
        boundToCaller: false,
        chat: {
          message: body.message,
          ...(body.conversationId ? { conversationId: body.conversationId } : {}),
        },
        ...(rag ? { rag: rag.admission } : {}),
      },
      body.stream ? relay.listener : undefined,
    );
    admitted.jobId = admission.jobId;
    const accepted = {
      jobId: admission.jobId,
      conversationId: admission.conversationId,
      userMessageId: admission.userMessageId,
      assistantMessageId: admission.assistantMessageId,
      model: admission.model,
      position: admission.position,
      etaSeconds: admission.etaSeconds,
      status: admission.status,
    };
    if (!body.stream) {
      res.status(202).json(rag ? { ...accepted, sources: rag.sources } : accepted);
      return;
    }
    // Closing the tab only stops listening; the job goes on.
    relay
      .open(
        res,
        deps.heartbeatMs,
        {
          type: 'queued',
          ...accepted,
          status: admission.status === 'backend_unavailable' ? 'backend_unavailable' : 'waiting',
        },
        rag?.events,
      )
      .onClose(unsubscribe);
  });

  router.get('/jobs', operate, async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    res.json({
      items: await jobs.list(identityOf(req), {
        limit: query.limit,
        ...(query.conversationId === undefined ? {} : { conversationId: query.conversationId }),
        ...(query.before === undefined ? {} : { before: new Date(query.before) }),
      }),
    });
  });

  router.get('/jobs/:id', operate, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await jobs.get(identityOf(req), id));
  });

  router.get('/jobs/:id/stream', operate, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const relay = new SseRelay(() => id);
    const unsubscribe = await jobs.follow(identityOf(req), id, relay.listener);
    // A RAG answer shows its sources again before the text (a reload or a reconnect).
    const sources = await deps.rag?.sourcesOfJob(id);
    relay
      .open(res, deps.heartbeatMs, undefined, sources ? [{ type: 'sources', sources }] : [])
      .onClose(unsubscribe);
  });

  router.delete('/jobs/:id', operate, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await jobs.cancel(identityOf(req), id));
  });

  router.get('/queue', authorize({ role: 'viewer', scope: 'llm:chat' }), async (req, res) => {
    res.json(await jobs.queue(identityOf(req)));
  });

  return router;
}
