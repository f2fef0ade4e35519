import { type ErrorRequestHandler, Router } from 'express';
import { AppError, type Logger, authorize, errorHandler, identityOf, parseInput } from '@arasul/service-kit';
import type { OllamaClient } from '../clients/ollama.client';
import { collectForCaller, runForCaller } from '../jobs/caller-job';
import type { JobsService } from '../jobs/jobs.service';
import type { RagService } from '../rag/rag.service';
import { EventGate } from '../shared/event-gate';
import { SseStream } from '../shared/sse';
import {
  OpenAiChunkWriter,
  chatCompletionOf,
  chatJobInput,
  embeddingJobInput,
  embeddingsOf,
  modelListOf,
} from './openai.mapper';
import { chatCompletionBody, embeddingsBody } from './openai.schemas';

/**
 * OpenAI-compatible API (the subset local clients use): chat completions (streamed or not, with usage),
 * models, embeddings. Every request is a job in the same queue as the dashboard's chats; `openai.mapper.ts`
 * translates between OpenAI's shapes and jobs.
 */

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
    const plain = chatJobInput(body, identity);
    const created = Math.floor(Date.now() / 1000);
    // Arasul extension: retrieval first; the query is the last user message.
    const ragOption = body.arasul?.rag;
    const plan =
      ragOption === undefined || deps.rag === undefined || plain.prompt.trim() === ''
        ? undefined
        : await deps.rag.plan(identity, plain.prompt, ragOption);
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
    const input = plan ? { ...plain, source: 'rag' as const, rag: plan.admission } : plain;
    if (!body.stream) {
      const completion = chatCompletionOf(await collectForCaller(jobs, input, res), created);
      res.json(arasul ? { ...completion, arasul } : completion);
      return;
    }
    const gate = new EventGate<Parameters<OpenAiChunkWriter['write']>>();
    const admission = await runForCaller(jobs, input, res, gate.push);
    const stream = new SseStream(res, deps.heartbeatMs, null);
    // The sources first, in a chunk without choices (clients skip those, as they do the usage chunk).
    if (arasul) {
      stream.send({
        id: `chatcmpl-${admission.jobId}`,
        object: 'chat.completion.chunk',
        created,
        model: admission.model,
        choices: [],
        arasul,
      });
    }
    const writer = new OpenAiChunkWriter(stream, {
      id: `chatcmpl-${admission.jobId}`,
      model: admission.model,
      created,
      includeUsage: body.stream_options?.include_usage === true,
    });
    gate.open((event) => writer.write(event));
  });

  router.get('/models', authorize({ role: 'viewer', scope: 'llm:models' }), async (_req, res) => {
    res.json(modelListOf(await deps.ollama.tags()));
  });

  router.post('/embeddings', chat, async (req, res) => {
    const body = parseInput(embeddingsBody, req.body, 'request body');
    const result = await collectForCaller(jobs, embeddingJobInput(body, identityOf(req)), res);
    res.json(embeddingsOf(result, body.encoding_format ?? 'float'));
  });

  router.use(openAiErrors(deps.logger));
  return router;
}
