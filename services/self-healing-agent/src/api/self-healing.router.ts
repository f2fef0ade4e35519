import { Router } from 'express';
import { z } from 'zod';
import {
  type DiagnosisStreamEvent,
  diagnosisQuestionSchema,
  selfHealingEventsQuerySchema,
  selfHealingSettingsSchema,
  serviceActionName,
  serviceNameSchema,
} from '@arasul/contracts/http/self-healing';
import { authorize, identityOf } from '@arasul/service-kit/auth';
import { parseInput } from '@arasul/service-kit/http/validate';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { AssistantService } from '../assistant/assistant.service';
import type { ServicesService } from './services.service';

const read = authorize({ role: 'viewer' });
const administer = authorize({ role: 'admin' });
const operate = authorize({ role: 'operator' });
const actionParams = z.object({ name: serviceNameSchema, action: serviceActionName });

/** `/api/self-healing`: status and incidents for viewers; the assistant for operators; settings for admins. */
export function selfHealingRouter(
  services: ServicesService,
  assistant: AssistantService,
  logger: Logger,
): Router {
  const router = Router();
  router.post('/ask', operate, async (req, res) => {
    const { question, language, stream } = parseInput(diagnosisQuestionSchema, req.body, 'body');
    if (!stream) {
      res.json(await assistant.ask(question, language, identityOf(req)));
      return;
    }
    // Like the chat: Server-Sent Events, unbuffered through the gateway; leaving cancels the model's job.
    const left = new AbortController();
    res.on('close', () => left.abort());
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    const send = (event: DiagnosisStreamEvent) => {
      if (!res.writableEnded) res.write(`data: ${JSON.stringify(event)}\n\n`);
    };
    try {
      send({
        type: 'done',
        answer: await assistant.ask(question, language, identityOf(req), send, left.signal),
      });
    } catch (error) {
      // The headers are out: the error goes into the stream, the error middleware cannot answer any more.
      logger.warn('diagnosis failed', errorMeta(error));
      send({ type: 'error', code: 'diagnosis_failed', message: 'The diagnosis failed on our side.' });
    }
    res.end();
  });
  router.get('/status', read, async (_req, res) => {
    res.json(await services.status());
  });
  router.get('/events', read, async (req, res) => {
    res.json(await services.events(parseInput(selfHealingEventsQuerySchema, req.query, 'query')));
  });
  router.get('/settings', administer, (_req, res) => {
    res.json(services.getSettings());
  });
  router.put('/settings', administer, async (req, res) => {
    const settings = parseInput(selfHealingSettingsSchema, req.body, 'body');
    res.json(await services.putSettings(settings, identityOf(req)));
  });
  return router;
}

/** `/api/services/:name/restart|stop|start|release`: admins only (the gateway audits every request). */
export function servicesRouter(services: ServicesService): Router {
  const router = Router();
  router.post('/:name/:action', administer, async (req, res) => {
    const { name, action } = parseInput(actionParams, req.params, 'path');
    res.json(await services.act(name, action, identityOf(req)));
  });
  return router;
}
