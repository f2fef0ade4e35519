import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import request from 'supertest';
import type { Database } from '@arasul/db';
import { HealthRegistry, type Identity, type Role, signIdentity } from '@arasul/service-kit';
import {
  FakeTelegramBotApi,
  type FakeBot,
  type ServiceTestInfra,
  createServiceTestInfra,
} from '@arasul/testkit';
import { type NotifierConfig, parseNotifierConfig } from '../src/config';
import { type Notifier, createNotifier } from '../src/notifier';

export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef-0123456789';
export const ENCRYPTION_KEY = 'test-telegram-encryption-key-0123456789abcdef';

export interface NotifierTest {
  infra: ServiceTestInfra;
  db: Kysely<Database>;
  fake: FakeTelegramBotApi;
  bot: FakeBot;
  config: NotifierConfig;
  notifier: Notifier;
  admin: Identity;
  /** Stops the notifier and starts a new one on the same database, Redis and bus (a restart). */
  restart(): Promise<Notifier>;
  close(): Promise<void>;
}

/** `sharedInfra`: run on infrastructure another service of the test uses too (the caller closes it). */
export async function createNotifierTest(
  overrides: Record<string, string> = {},
  sharedInfra?: ServiceTestInfra,
): Promise<NotifierTest> {
  const infra = sharedInfra ?? (await createServiceTestInfra('telegram-notifier', ['none.#']));
  const fake = await FakeTelegramBotApi.start({ enforceLimits: true });
  const bot = fake.addBot('arasul_office_bot');
  const config = parseNotifierConfig({
    INTERNAL_SECRET,
    TELEGRAM_ENCRYPTION_KEY: ENCRYPTION_KEY,
    TELEGRAM_API_ROOT: fake.url,
    TELEGRAM_POLL_TIMEOUT_S: '1',
    NOTIFIER_DISPATCH_INTERVAL_MS: '50',
    ...overrides,
  });
  const db = infra.database.db;
  const build = async (): Promise<Notifier> => {
    const notifier = createNotifier({
      config,
      logger: infra.logger,
      health: new HealthRegistry('telegram-notifier'),
      db,
      redis: infra.redis,
      bus: infra.bus,
    });
    await notifier.start();
    return notifier;
  };
  const adminRow = await db
    .insertInto('admin_users')
    .values({ username: 'office-admin', password_hash: 'not-a-real-hash', role: 'admin' })
    .returning('id')
    .executeTakeFirstOrThrow();
  const ctx: NotifierTest = {
    infra,
    db,
    fake,
    bot,
    config,
    notifier: await build(),
    admin: { userId: adminRow.id, username: 'office-admin', role: 'admin', authType: 'jwt', scopes: [] },
    restart: async () => {
      await ctx.notifier.stop();
      ctx.notifier = await build();
      return ctx.notifier;
    },
    close: async () => {
      await ctx.notifier.stop();
      await fake.stop();
      if (!sharedInfra) await infra.close();
    },
  };
  return ctx;
}

export function identity(role: Role, userId = 1): Identity {
  return { userId, username: `${role}-user`, role, authType: 'jwt', scopes: [] };
}

export function asCaller(who: Identity): Record<string, string> {
  return { 'X-Arasul-Identity': signIdentity(who, INTERNAL_SECRET) };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${String(timeoutMs)} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Runs the wizard through the API and the fake: token → deep link → the owner presses Start. */
export async function linkOwnerChat(ctx: NotifierTest, chatId = 424242): Promise<void> {
  const started = await request(ctx.notifier.app)
    .post('/api/telegram/setup')
    .set(asCaller(ctx.admin))
    .send({ token: ctx.bot.token });
  if (started.status !== 201)
    throw new Error(`setup failed: ${String(started.status)} ${JSON.stringify(started.body)}`);
  const code = (started.body as { code: string }).code;
  ctx.fake.userSends(ctx.bot.token, { id: chatId, type: 'private', firstName: 'Owner' }, `/start ${code}`);
  await waitFor('the setup to complete', async () => {
    const res = await request(ctx.notifier.app).get(`/api/telegram/setup/${code}`).set(asCaller(ctx.admin));
    return (res.body as { status: string }).status === 'completed' ? true : undefined;
  });
}
