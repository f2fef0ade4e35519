import { Router } from 'express';
import { z } from 'zod';
import { startTelegramSetupSchema } from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import type { OutboxService } from '../outbox/outbox.service';
import type { UpdateWebhook } from '../bot/update.webhook';
import type { SetupService } from '../setup/setup.service';

const codeParams = z.object({ code: z.string().regex(/^[0-9a-f]{32}$/, 'must be a setup code') });
const admin = authorize({ role: 'admin' });

/** `/api/telegram`: status, the setup wizard, linking more chats, forgetting the bot — admin only. */
export function telegramRouter(deps: { setup: SetupService; outbox: OutboxService }): Router {
  const router = Router();
  router.use(admin);

  router.get('/status', async (_req, res) => {
    const [status, outbox] = await Promise.all([deps.setup.status(), deps.outbox.counts()]);
    res.json({ ...status, outbox });
  });
  router.post('/setup', async (req, res) => {
    const { token } = parseInput(startTelegramSetupSchema, req.body, 'body');
    res.status(201).json(await deps.setup.start(token, identityOf(req)));
  });
  router.get('/setup/:code', async (req, res) => {
    const { code } = parseInput(codeParams, req.params, 'path');
    res.json(await deps.setup.progress(code));
  });
  router.post('/chats/link', async (req, res) => {
    res.status(201).json(await deps.setup.link(identityOf(req)));
  });
  router.delete('/', async (_req, res) => {
    await deps.setup.forget();
    res.status(204).end();
  });
  return router;
}

/**
 * `POST /api/telegram/webhook` (webhook mode only): Telegram's update delivery. No identity — the
 * `X-Telegram-Bot-Api-Secret-Token` header proves the caller (401 `telegram_webhook_secret_invalid`).
 */
export function telegramWebhookRouter(webhook: UpdateWebhook): Router {
  const router = Router();
  router.post('/webhook', async (req, res) => {
    webhook.checkSecret(req.get('x-telegram-bot-api-secret-token'));
    await webhook.receive(req.body);
    res.json({ ok: true });
  });
  return router;
}
