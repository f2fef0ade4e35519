import { Router } from 'express';
import { z } from 'zod';
import {
  diagnosisQuestionSchema,
  selfHealingEventsQuerySchema,
  selfHealingSettingsSchema,
  serviceActionName,
  serviceNameSchema,
} from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import type { AssistantService } from '../assistant/assistant.service';
import type { ServicesService } from './services.service';

const read = authorize({ role: 'viewer' });
const administer = authorize({ role: 'admin' });
const operate = authorize({ role: 'operator' });
const actionParams = z.object({ name: serviceNameSchema, action: serviceActionName });

/** `/api/self-healing`: status and incidents for viewers; the assistant for operators; settings for admins. */
export function selfHealingRouter(services: ServicesService, assistant: AssistantService): Router {
  const router = Router();
  router.post('/ask', operate, async (req, res) => {
    const { question, language } = parseInput(diagnosisQuestionSchema, req.body, 'body');
    res.json(await assistant.ask(question, language, identityOf(req)));
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
