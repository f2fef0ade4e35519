import { Router } from 'express';
import { z } from 'zod';
import {
  createNotificationRuleSchema,
  createWebhookSchema,
  outboxQuerySchema,
  testNotificationSchema,
  updateNotificationRuleSchema,
  updateNotificationSettingsSchema,
} from '@arasul/contracts/http/notifications';
import { authorize, identityOf } from '@arasul/service-kit/auth';
import { parseInput } from '@arasul/service-kit/http/validate';
import type { OutboxService } from '../outbox/outbox.service';
import type { RulesService } from '../rules/rules.service';
import type { SettingsService } from '../settings/settings.service';
import type { WebhooksService } from '../webhooks/webhooks.service';

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const admin = authorize({ role: 'admin' });

/** `/api/notifications`: settings, rules, outbox, test, webhooks — admin only (the gateway audits every call). */
export function notificationsRouter(deps: {
  settings: SettingsService;
  rules: RulesService;
  outbox: OutboxService;
  webhooks: WebhooksService;
}): Router {
  const router = Router();
  router.use(admin);

  router.get('/settings', async (_req, res) => {
    res.json(await deps.settings.get());
  });
  router.put('/settings', async (req, res) => {
    res.json(await deps.settings.update(parseInput(updateNotificationSettingsSchema, req.body, 'body')));
  });

  router.get('/rules', async (_req, res) => {
    res.json({ items: await deps.rules.list() });
  });
  router.post('/rules', async (req, res) => {
    res.status(201).json(await deps.rules.create(parseInput(createNotificationRuleSchema, req.body, 'body')));
  });
  router.patch('/rules/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await deps.rules.update(id, parseInput(updateNotificationRuleSchema, req.body, 'body')));
  });
  router.delete('/rules/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await deps.rules.remove(id);
    res.status(204).end();
  });

  router.get('/events', async (req, res) => {
    res.json(await deps.outbox.list(parseInput(outboxQuerySchema, req.query, 'query')));
  });
  router.post('/events/:id/retry', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await deps.outbox.retry(id));
  });
  router.post('/test', async (req, res) => {
    const body = parseInput(testNotificationSchema, req.body ?? {}, 'body');
    res
      .status(202)
      .json({ items: await deps.outbox.test(body.severity, body.text, identityOf(req).username) });
  });

  router.get('/webhooks', async (_req, res) => {
    res.json({ items: await deps.webhooks.list() });
  });
  router.post('/webhooks', async (req, res) => {
    const body = parseInput(createWebhookSchema, req.body, 'body');
    res.status(201).json(await deps.webhooks.create(body, identityOf(req).userId));
  });
  router.post('/webhooks/:id/test', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await deps.webhooks.test(id));
  });
  router.delete('/webhooks/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await deps.webhooks.remove(id);
    res.status(204).end();
  });
  return router;
}
