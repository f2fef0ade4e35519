import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import {
  createRedis,
  duplicateForSubscribe,
  IDENTITY_HEADER,
  signAccessToken,
  verifyIdentity,
  type Identity,
  type Logger,
  type Role,
} from '@arasul/service-kit';
import {
  cleanupRedisPrefix,
  createSilentLogger,
  createTestDatabase,
  createTestRedisPrefix,
  TEST_REDIS_URL,
  type TestDatabase,
} from '@arasul/testkit';
import type { Database } from '@arasul/db';
import { createApp, type GatewayApp } from '../src/app';
import { createComponents, type GatewayComponents } from '../src/components';
import { loadGatewayConfig, type GatewayConfig } from '../src/config';
import { createRateLimitRedis } from '../src/ratelimit/rate-limiter';

export const JWT_SECRET = 'test-jwt-secret-0123456789abcdef0123456789';
export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef01234';
/** A loopback URL where nothing listens (a port the OS just handed out and took back): ECONNREFUSED at once.
 * Not port 1: fetch refuses "bad ports" before connecting, which is a different failure. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export interface RunningHttp {
  server: Server;
  url: string;
  port: number;
  close: () => Promise<void>;
}

/** A real HTTP server on an ephemeral loopback port. */
export async function startHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RunningHttp> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  identity: Identity | null;
  identityError: string | null;
  bodyBytes: number;
  body: string;
  complete: boolean;
}

/**
 * A service behind the gateway: verifies the identity header like service-kit's identityMiddleware does,
 * records what it saw, and answers it as JSON. `/health/ready` answers like a service-kit service.
 */
export async function startEchoUpstream(): Promise<RunningHttp & { seen: SeenRequest[] }> {
  const seen: SeenRequest[] = [];
  const running = await startHttp((req, res) => {
    if (req.url === '/health/ready') {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          status: 'ready',
          service: 'echo',
          uptimeSeconds: 1,
          checks: { postgres: { status: 'up', latencyMs: 1, critical: true } },
          loops: {},
        }),
      );
      return;
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    const record: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      identity: null,
      identityError: null,
      bodyBytes: 0,
      body: '',
      complete: false,
    };
    const token = req.headers[IDENTITY_HEADER];
    if (typeof token === 'string') {
      try {
        record.identity = verifyIdentity(token, INTERNAL_SECRET);
      } catch (error) {
        record.identityError = (error as Error).message;
      }
    }
    seen.push(record);
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      record.bodyBytes = bytes;
      if (bytes <= 2 * 1024 * 1024) chunks.push(chunk);
    });
    req.on('end', () => {
      record.complete = true;
      record.body = Buffer.concat(chunks).toString('utf8');
      const status = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('status') ?? '200');
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          status >= 400
            ? { error: { code: 'echo_failure', message: 'The echo upstream was asked to fail.' } }
            : { path: req.url, identity: record.identity, bodyBytes: bytes, body: record.body },
        ),
      );
    });
  });
  return { ...running, seen };
}

export interface FakeKey {
  key: string;
  apiKeyId: number;
  userId?: number;
  rateLimitPerMinute?: number;
  allowedEndpoints?: string[] | null;
  expiresAt?: string | null;
}

/**
 * The auth service's internal API as the gateway uses it: `/internal/api-keys/verify` and
 * `/internal/revocations`, both behind the internal bearer secret. Counts the calls it gets.
 */
export async function startFakeAuth(keys: FakeKey[] = []): Promise<
  RunningHttp & {
    calls: { verify: number; revocations: number };
    revocations: { sessions: { jti: string; expiresAt: string }[]; apiKeyIds: number[] };
    keys: FakeKey[];
    seen: SeenRequest[];
  }
> {
  const calls = { verify: 0, revocations: 0 };
  const revocations = { sessions: [] as { jti: string; expiresAt: string }[], apiKeyIds: [] as number[] };
  const seen: SeenRequest[] = [];
  const running = await startHttp((req, res) => {
    const send = (status: number, body: unknown) => {
      res.statusCode = status;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(body));
    };
    if (req.url === '/health/ready') {
      send(200, { status: 'ready', service: 'auth', uptimeSeconds: 1, checks: {}, loops: {} });
      return;
    }
    if (req.url?.startsWith('/internal/')) {
      if (req.headers.authorization !== `Bearer ${INTERNAL_SECRET}`) {
        send(401, { error: { code: 'unauthorized' } });
        return;
      }
      if (req.url === '/internal/revocations') {
        calls.revocations += 1;
        send(200, revocations);
        return;
      }
      if (req.url === '/internal/api-keys/verify' && req.method === 'POST') {
        calls.verify += 1;
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const { key } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { key: string };
          const found = keys.find((k) => k.key === key);
          if (!found || revocations.apiKeyIds.includes(found.apiKeyId)) {
            send(401, { error: { code: 'invalid_api_key' } });
            return;
          }
          send(200, {
            identity: {
              userId: found.userId ?? 1,
              username: 'admin',
              role: 'admin',
              authType: 'api_key',
              scopes: ['llm:chat'],
              apiKeyId: found.apiKeyId,
            },
            rateLimitPerMinute: found.rateLimitPerMinute ?? 60,
            allowedEndpoints: found.allowedEndpoints ?? null,
            expiresAt: found.expiresAt ?? null,
          });
        });
        return;
      }
    }
    // Everything else: behave like the auth service's public API and echo.
    const record: SeenRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      identity: null,
      identityError: null,
      bodyBytes: 0,
      body: '',
      complete: false,
    };
    const token = req.headers[IDENTITY_HEADER];
    if (typeof token === 'string') record.identity = verifyIdentity(token, INTERNAL_SECRET);
    seen.push(record);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      record.complete = true;
      record.body = Buffer.concat(chunks).toString('utf8');
      record.bodyBytes = record.body.length;
      send(200, { ok: true, path: req.url });
    });
  });
  return { ...running, calls, revocations, keys, seen };
}

export function accessToken(
  user: { userId?: number; username?: string; role?: Role; sessionId?: number } = {},
  options: { secret?: string; ttlSeconds?: number } = {},
): { token: string; jti: string; expiresAt: Date } {
  return signAccessToken(
    {
      userId: user.userId ?? 1,
      username: user.username ?? 'admin',
      role: user.role ?? 'admin',
      sessionId: user.sessionId ?? 1,
    },
    options.secret ?? JWT_SECRET,
    options.ttlSeconds ?? 900,
  );
}

export interface TestGateway {
  app: GatewayApp;
  components: GatewayComponents;
  config: GatewayConfig;
  redisPrefix: string;
  /** A plain client (no key prefix) for publishing and inspecting keys. */
  rawRedis: Redis;
  stop: () => Promise<void>;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  db: TestDatabase<Database>;
  logger?: Logger;
  redisUrl?: string;
  start?: boolean;
}

/** A gateway built in-process exactly like main.ts builds it, over the test's database and Redis prefix. */
export async function buildGateway(options: TestGatewayOptions): Promise<TestGateway> {
  const redisPrefix = createTestRedisPrefix();
  const logger = options.logger ?? createSilentLogger();
  const DEAD_URL = await deadUrl();
  const config = loadGatewayConfig({
    NODE_ENV: 'test',
    JWT_SECRET,
    INTERNAL_SECRET,
    REDIS_URL: options.redisUrl ?? TEST_REDIS_URL,
    REDIS_KEY_PREFIX: redisPrefix,
    AUTH_URL: DEAD_URL,
    LLM_QUEUE_URL: DEAD_URL,
    METRICS_URL: DEAD_URL,
    DOCUMENT_INDEXER_URL: DEAD_URL,
    SELF_HEALING_URL: DEAD_URL,
    TELEGRAM_NOTIFIER_URL: DEAD_URL,
    UPDATE_MANAGER_URL: DEAD_URL,
    DATENTABELLEN_URL: DEAD_URL,
    DASHBOARD_DIR: mkdtempSync(join(tmpdir(), 'gateway-dashboard-')),
    AUDIT_FLUSH_INTERVAL_MS: '100',
    REVOCATION_SYNC_INTERVAL_MS: '5000',
    ...options.env,
  });
  const redis = createRedis({ url: config.REDIS_URL, keyPrefix: redisPrefix, logger, connectTimeoutMs: 500 });
  const subscriber = duplicateForSubscribe(redis);
  const rateLimitRedis = createRateLimitRedis(redis, logger);
  if (options.redisUrl === undefined) {
    await waitFor('redis ready', () =>
      [redis, subscriber, rateLimitRedis].every((r) => r.status === 'ready'),
    );
  }
  const components = createComponents(config, logger, {
    db: options.db.db,
    redis,
    subscriber,
    rateLimitRedis,
  });
  if (options.start !== false) await components.start();
  const rawRedis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  return {
    app: createApp(components),
    components,
    config,
    redisPrefix,
    rawRedis,
    stop: async () => {
      await components.stop();
      subscriber.disconnect();
      rateLimitRedis.disconnect();
      redis.disconnect();
      rawRedis.disconnect();
      await cleanupRedisPrefix(redisPrefix);
    },
  };
}

export { createTestDatabase };

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 3000,
  intervalMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
