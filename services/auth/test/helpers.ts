import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import request from 'supertest';
import type { Database } from '@arasul/db';
import {
  HealthRegistry,
  type Identity,
  type Role,
  signIdentity,
  verifyAccessToken,
} from '@arasul/service-kit';
import { TEST_REDIS_URL, CapturedEvents, createServiceTestInfra } from '@arasul/testkit';
import { type AuthServices, createApp, createServices } from '../src/app';
import { type AuthConfig, parseAuthConfig } from '../src/config';
import { REVOCATION_CHANNEL, type RevocationMessage } from '../src/shared/revocations';

export { TEST_RABBITMQ_URL as RABBITMQ_URL } from '@arasul/testkit';
export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef-0123456789';
export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef-012345';
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export { CapturedEvents };

/** Everything one test file needs: a migrated database, Redis and AMQP names of its own, and the app. */
export interface TestContext {
  app: Express;
  db: Kysely<Database>;
  redis: Redis;
  redisPrefix: string;
  config: AuthConfig;
  services: AuthServices;
  events: CapturedEvents;
  /** A fresh app on the same database and connections, with other settings (tiny TTLs …). */
  appWith(
    overrides: Record<string, string>,
    connections?: { redis?: Redis },
  ): { app: Express; config: AuthConfig; services: AuthServices };
  close(): Promise<void>;
}

export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const infra = await createServiceTestInfra('auth', ['#']);
  const { database, redis, redisPrefix, bus: amqp, events, logger } = infra;

  const build = (extra: Record<string, string>, connections: { redis?: Redis } = {}) => {
    const config = parseAuthConfig({
      NODE_ENV: 'test',
      JWT_SECRET,
      INTERNAL_SECRET,
      N8N_WEBHOOK_SECRET: WEBHOOK_SECRET,
      REDIS_KEY_PREFIX: redisPrefix,
      // supertest stands in for the gateway, which reaches auth from loopback: the one trusted hop.
      TRUST_PROXY: 'loopback',
      ...overrides,
      ...extra,
    });
    const deps = {
      config,
      logger,
      health: new HealthRegistry('auth'),
      db: database.db,
      redis: connections.redis ?? redis,
      bus: amqp,
    };
    const services = createServices(deps);
    return { app: createApp(deps, services), config, services };
  };
  const main = build({});

  return {
    ...main,
    db: database.db,
    redis,
    redisPrefix,
    events,
    appWith: build,
    close: async () => {
      await infra.close();
    },
  };
}

export async function waitFor<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/** Creates a user directly (the first admin of a test, or a fixture); the hash is a real argon2id hash. */
export async function createUser(
  ctx: Pick<TestContext, 'db' | 'services'>,
  user: { username: string; password: string; role?: Role; isActive?: boolean },
): Promise<{ id: number; username: string; password: string; role: Role }> {
  const row = await ctx.db
    .insertInto('admin_users')
    .values({
      username: user.username,
      password_hash: await ctx.services.hasher.hash(user.password),
      role: user.role ?? 'viewer',
      is_active: user.isActive ?? true,
    })
    .returning(['id', 'username', 'role'])
    .executeTakeFirstOrThrow();
  return { id: row.id, username: row.username, password: user.password, role: row.role };
}

/** What the gateway does with a verified access token: the signed identity header it forwards. */
export function identityFromAccessToken(accessToken: string): Identity {
  const claims = verifyAccessToken(accessToken, JWT_SECRET);
  return {
    userId: Number(claims.sub),
    username: claims.username,
    role: claims.role,
    authType: 'jwt',
    scopes: [],
    sessionJti: claims.jti,
    sessionId: claims.sid,
  };
}

export function identityHeader(identity: Identity): Record<string, string> {
  return { 'X-Arasul-Identity': signIdentity(identity, INTERNAL_SECRET) };
}

/** Headers of a request the gateway forwards for a signed-in user. */
export function bearer(accessToken: string): Record<string, string> {
  return identityHeader(identityFromAccessToken(accessToken));
}

export interface LoggedIn {
  accessToken: string;
  headers: Record<string, string>;
  identity: Identity;
  refreshCookie: string;
  cookies: string[];
}

export function setCookies(res: { headers: Record<string, unknown> }): string[] {
  const raw = res.headers['set-cookie'];
  return Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
}

/** The `name=value` pair of a Set-Cookie header, to send back as a Cookie header. */
export function cookiePair(cookies: string[], name: string): string {
  const found = cookies.find((c) => c.startsWith(`${name}=`));
  if (!found) throw new Error(`no ${name} cookie in ${JSON.stringify(cookies)}`);
  return found.split(';')[0] ?? '';
}

export async function login(
  app: Express,
  username: string,
  password: string,
  ip = '198.51.100.1',
): Promise<LoggedIn> {
  const res = await request(app)
    .post('/api/auth/login')
    .set('X-Forwarded-For', ip)
    .send({ username, password });
  if (res.status !== 200)
    throw new Error(`login of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
  const body = res.body as { accessToken: string };
  const cookies = setCookies(res);
  return {
    accessToken: body.accessToken,
    headers: bearer(body.accessToken),
    identity: identityFromAccessToken(body.accessToken),
    refreshCookie: cookiePair(cookies, 'arasul_refresh'),
    cookies,
  };
}

export function internalAuth(): Record<string, string> {
  return { Authorization: `Bearer ${INTERNAL_SECRET}` };
}

/** Listens on the revocation channel exactly as the gateway does (a plain client, full channel name). */
export async function subscribeRevocations(redisPrefix: string): Promise<{
  messages: RevocationMessage[];
  close: () => void;
}> {
  const subscriber = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  const messages: RevocationMessage[] = [];
  subscriber.on('message', (_channel: string, message: string) =>
    messages.push(JSON.parse(message) as RevocationMessage),
  );
  await subscriber.subscribe(`${redisPrefix}${REVOCATION_CHANNEL}`);
  return { messages, close: () => subscriber.disconnect() };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 0 ? ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2 : (sorted[mid] ?? 0);
}
