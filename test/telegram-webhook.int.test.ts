/**
 * Webhook mode (PUBLIC_URL set): the notifier registers `<PUBLIC_URL>/api/telegram/webhook` with Telegram's
 * secret token, the fake Bot API delivers updates there through the real gateway (an anonymous route), and
 * the notifier refuses a wrong or missing secret. Long polling (no PUBLIC_URL) is what
 * services/telegram-notifier/test/notifier.int.test.ts runs on.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { type RunningServer, listen } from '@arasul/service-kit';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { type TestGateway, buildGateway } from '../services/gateway/test/helpers';
import { webhookSecretOf } from '../services/telegram-notifier/src/bot/update.webhook';
import {
  ENCRYPTION_KEY,
  type NotifierTest,
  createNotifierTest,
  linkOwnerChat,
  waitFor,
} from '../services/telegram-notifier/test/helpers';

const OWNER = 838383;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('telegram-notifier in webhook mode, behind the gateway', () => {
  let infra: ServiceTestInfra;
  let gateway: TestGateway;
  let gatewayServer: RunningServer;
  let notifierServer: RunningServer;
  let ctx: NotifierTest;

  beforeAll(async () => {
    infra = await createServiceTestInfra('telegram-notifier', ['none.#']);
    const notifierPort = await freePort();
    gateway = await buildGateway({
      db: infra.database,
      env: { TELEGRAM_NOTIFIER_URL: `http://127.0.0.1:${String(notifierPort)}` },
    });
    gatewayServer = await listen(gateway.app, 0);
    ctx = await createNotifierTest({ PUBLIC_URL: `http://127.0.0.1:${String(gatewayServer.port)}` }, infra);
    notifierServer = await listen(ctx.notifier.app, notifierPort);
    await linkOwnerChat(ctx, OWNER);
  });

  afterAll(async () => {
    await ctx.close();
    await notifierServer.close(0);
    await gatewayServer.close(0);
    await gateway.stop();
    await infra.close();
  });

  const webhookUrl = () => `http://127.0.0.1:${String(gatewayServer.port)}/api/telegram/webhook`;

  it('registers the webhook with the secret token once the bot is configured, and answers updates through it', async () => {
    const hook = await waitFor('setWebhook', () => ctx.fake.webhookOf(ctx.bot.token) ?? undefined);
    expect(hook).toEqual({ url: webhookUrl(), secretToken: webhookSecretOf(ENCRYPTION_KEY) });
    const before = ctx.fake.sentTo(OWNER).length;
    const waiting = ctx.fake.pendingUpdates(ctx.bot.token);
    ctx.fake.userSends(ctx.bot.token, { id: OWNER, type: 'private', firstName: 'Owner' }, '/help');
    const answer = await waitFor('the /help answer', () =>
      ctx.fake
        .sentTo(OWNER)
        .slice(before)
        .find((m) => m.text.startsWith('Arasul bot commands')),
    );
    expect(answer.text).toContain('/restart');
    // The update came by webhook: nothing more waits for getUpdates.
    expect(ctx.fake.pendingUpdates(ctx.bot.token)).toBe(waiting);
    const offset = await ctx.db
      .selectFrom('telegram_config')
      .select('polling_offset')
      .executeTakeFirstOrThrow();
    expect(Number(offset.polling_offset)).toBeGreaterThan(0);
  });

  it('refuses a wrong or missing secret token with 401 telegram_webhook_secret_invalid, and handles nothing', async () => {
    const before = ctx.fake.sentTo(OWNER).length;
    const update = {
      update_id: 9_000_001,
      message: { message_id: 1, chat: { id: OWNER, type: 'private' }, date: 0, text: '/help' },
    };
    const wrong = await request(gateway.app)
      .post('/api/telegram/webhook')
      .set('X-Telegram-Bot-Api-Secret-Token', 'not-the-secret')
      .send(update);
    expect(wrong.status).toBe(401);
    expect((wrong.body as { error: { code: string } }).error.code).toBe('telegram_webhook_secret_invalid');
    const missing = await request(gateway.app).post('/api/telegram/webhook').send(update);
    expect(missing.status).toBe(401);

    // The right secret, twice (Telegram redelivers when it sees no 200 in time): handled once.
    for (let i = 0; i < 2; i += 1) {
      const ok = await request(gateway.app)
        .post('/api/telegram/webhook')
        .set('X-Telegram-Bot-Api-Secret-Token', webhookSecretOf(ENCRYPTION_KEY))
        .send(update);
      expect(ok.status).toBe(200);
    }
    await waitFor('the answer', () => (ctx.fake.sentTo(OWNER).length > before ? true : undefined));
    expect(ctx.fake.sentTo(OWNER).slice(before)).toHaveLength(1);
  });

  it('the rest of /api/telegram still needs an identity through the gateway', async () => {
    const res = await request(gateway.app).get('/api/telegram/status');
    expect(res.status).toBe(401);
  });
});
