import { type Request, type Response, Router } from 'express';
import { z } from 'zod';
import { startTelegramSetupSchema } from '@arasul/contracts/http/notifications';
import { authorize, identityOf } from '@arasul/service-kit/auth';
import { UnavailableError } from '@arasul/service-kit/errors';
import { parseInput } from '@arasul/service-kit/http/validate';
import type { OutboxService } from '../outbox/outbox.service';
import type { UpdateWebhook } from '../bot/update.webhook';
import type { SetupService } from '../setup/setup.service';

const codeParams = z.object({ code: z.string().regex(/^[0-9a-f]{32}$/, 'must be a setup code') });
const admin = authorize({ role: 'admin' });
/** Wizards open at once: a handful of admins; more is a bug or abuse. */
const MAX_PROGRESS_STREAMS = 20;
const RECHECK_MS = 2000;
const HEARTBEAT_MS = 15_000;
let progressStreams = 0;

/**
 * `GET /api/telegram/setup/:code/events`: the wizard's progress as Server-Sent Events — the current state
 * at once, then each change (pushed when this notifier linked the chat, re-read every 2 s otherwise: a
 * session can expire, another notifier can complete it). Ends with `completed` or `expired`.
 */
async function streamSetupProgress(setup: SetupService, code: string, req: Request, res: Response) {
  let last = await setup.progress(code); // 404 before any byte of the stream
  if (progressStreams >= MAX_PROGRESS_STREAMS)
    throw new UnavailableError('Too many setup progress streams are open', 'setup_streams_exhausted');
  progressStreams += 1;
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-store',
    'x-accel-buffering': 'no',
  });
  const send = (progress: typeof last) => res.write(`event: progress\ndata: ${JSON.stringify(progress)}\n\n`);
  send(last);
  // Read through a call, so the loop sees what the close handler set during an await.
  const stream = { closed: false };
  const isClosed = () => stream.closed;
  let wake: () => void = () => undefined;
  const onChanged = (changed: string) => {
    if (changed === code) wake();
  };
  setup.events.on('changed', onChanged);
  req.on('close', () => {
    stream.closed = true;
    wake();
  });
  let quietSince = Date.now();
  try {
    while (!isClosed() && last.status === 'token_valid') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, RECHECK_MS);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (isClosed()) break;
      // A failed read (database blip) ends the stream; the page reconnects.
      const next = await setup.progress(code).catch(() => null);
      if (next === null) break;
      if (JSON.stringify(next) !== JSON.stringify(last)) {
        send(next);
        quietSince = Date.now();
      } else if (Date.now() - quietSince > HEARTBEAT_MS) {
        res.write(': heartbeat\n\n');
        quietSince = Date.now();
      }
      last = next;
    }
  } finally {
    setup.events.off('changed', onChanged);
    progressStreams -= 1;
    res.end();
  }
}

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
  router.get('/setup/:code/events', async (req, res) => {
    const { code } = parseInput(codeParams, req.params, 'path');
    await streamSetupProgress(deps.setup, code, req, res);
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
