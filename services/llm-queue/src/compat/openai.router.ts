import { type ErrorRequestHandler, Router } from 'express';
import { AppError, type Logger, authorize, errorHandler, identityOf, parseInput } from '@arasul/service-kit';
import type { OllamaClient } from '../clients/ollama.client';
import { collectForCaller, runForCaller } from '../jobs/caller-job';
import type { JobsService } from '../jobs/jobs.service';
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
}): Router {
  const { jobs } = deps;
  const router = Router();
  const chat = authorize({ role: 'operator', scope: 'llm:chat' });

  router.post('/chat/completions', chat, async (req, res) => {
    const body = parseInput(chatCompletionBody, req.body, 'request body');
    const input = chatJobInput(body, identityOf(req));
    const created = Math.floor(Date.now() / 1000);
    if (!body.stream) {
      res.json(chatCompletionOf(await collectForCaller(jobs, input, res), created));
      return;
    }
    const gate = new EventGate<Parameters<OpenAiChunkWriter['write']>>();
    const admission = await runForCaller(jobs, input, res, gate.push);
    const writer = new OpenAiChunkWriter(new SseStream(res, deps.heartbeatMs, null), {
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
