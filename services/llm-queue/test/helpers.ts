import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import { type Database, createDb, createPool } from '@arasul/db';
import {
  HealthRegistry,
  type Identity,
  type Role,
  type RunningServer,
  listen,
  signIdentity,
} from '@arasul/service-kit';
import {
  type FakeOllama,
  type FakeOllamaOptions,
  type TestDatabase,
  startFakeOllama,
  CapturedEvents,
  createServiceTestInfra,
} from '@arasul/testkit';
import { type LlmQueueServices, createApp, createServices, ollamaHealthCheck } from '../src/app';
import { type LlmQueueConfig, parseLlmQueueConfig } from '../src/config';

export { TEST_RABBITMQ_URL as RABBITMQ_URL } from '@arasul/testkit';
export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef-012345';
export const MODELS = ['qwen3:8b', 'llama3.1:8b', 'nomic-embed-text:latest'];

export { CapturedEvents };

/** One running llm-queue (app + scheduler) on the test database; several may exist one after another. */
export interface Instance {
  services: LlmQueueServices;
  config: LlmQueueConfig;
  server: RunningServer;
  url: string;
  /** `graceful` is a SIGTERM; `crash` leaves everything as a killed process would. */
  stop(mode?: 'graceful' | 'crash'): Promise<void>;
}

export interface TestContext {
  db: Kysely<Database>;
  database: TestDatabase<Database>;
  fake: FakeOllama;
  events: CapturedEvents;
  instance: Instance;
  /** Starts another instance on the same database, Redis prefix and fake (after a crash, say). */
  startInstance(overrides?: Record<string, string>): Promise<Instance>;
  user(role?: Role, username?: string): Promise<TestUser>;
  close(): Promise<void>;
}

export interface TestUser {
  id: number;
  identity: Identity;
  headers: Record<string, string>;
}

export async function createTestContext(
  overrides: Record<string, string> = {},
  fakeOptions: FakeOllamaOptions = {},
): Promise<TestContext> {
  const fake = await startFakeOllama({ models: MODELS, ...fakeOptions });
  const infra = await createServiceTestInfra('llm-queue', ['#']);
  const { database, redis, redisPrefix, bus: amqp, events, logger } = infra;

  const instances: Instance[] = [];
  const startInstance = async (extra: Record<string, string> = {}): Promise<Instance> => {
    const config = parseLlmQueueConfig({
      NODE_ENV: 'test',
      INTERNAL_SECRET,
      OLLAMA_URL: fake.url,
      REDIS_KEY_PREFIX: redisPrefix,
      LLM_DEFAULT_MODEL: 'qwen3:8b',
      LLM_TICK_MS: '50',
      LLM_BACKEND_PROBE_MS: '50',
      LLM_CONNECT_BACKOFF_MS: '20',
      LLM_FLUSH_INTERVAL_MS: '50',
      ...overrides,
      ...extra,
    });
    const pool = createPool({ connectionString: database.url, max: 10, application_name: 'llm-queue-test' });
    const db = createDb(pool);
    const admissions = createPool({
      connectionString: database.url,
      max: 3,
      application_name: 'llm-queue-test-admissions',
      pipeline: true,
    });
    const deps = {
      config,
      logger,
      health: new HealthRegistry('llm-queue'),
      db,
      pool,
      admissions,
      redis,
      bus: amqp,
    };
    const services = createServices(deps);
    deps.health.register(ollamaHealthCheck(services));
    await services.models.syncCatalog();
    const server = await listen(createApp(deps, services), 0);
    await services.scheduler.start();
    let stopped = false;
    const instance: Instance = {
      services,
      config,
      server,
      url: `http://127.0.0.1:${server.port}`,
      stop: async (mode = 'graceful') => {
        if (stopped) return;
        stopped = true;
        server.server.closeAllConnections();
        await server.close(0);
        await services.scheduler.stop(mode);
        await services.pulls.stopAll();
        services.ollama.close();
        await admissions.end();
        await db.destroy();
      },
    };
    instances.push(instance);
    return instance;
  };

  const instance = await startInstance();
  let users = 0;
  return {
    db: database.db,
    database,
    fake,
    events,
    instance,
    startInstance,
    user: async (role: Role = 'operator', username?: string) => {
      users += 1;
      const name = username ?? `${role}${users}`;
      const row = await database.db
        .insertInto('admin_users')
        .values({ username: name, password_hash: 'x', role })
        .returning('id')
        .executeTakeFirstOrThrow();
      const identity: Identity = { userId: row.id, username: name, role, authType: 'jwt', scopes: [] };
      return { id: row.id, identity, headers: identityHeaders(identity) };
    },
    close: async () => {
      for (const i of instances) await i.stop('graceful').catch(() => undefined);
      await fake.close();
      await infra.close();
    },
  };
}

export function identityHeaders(identity: Identity): Record<string, string> {
  return { 'X-Arasul-Identity': signIdentity(identity, INTERNAL_SECRET, 3600) };
}

export function apiKeyIdentity(userId: number, scopes: Identity['scopes']): Identity {
  return { userId, username: `key-of-${userId}`, role: 'viewer', authType: 'api_key', scopes, apiKeyId: 1 };
}

export async function waitFor<T>(
  probe: () => T | undefined | false | null | Promise<T | undefined | false | null>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

export type StreamEvent = Record<string, unknown> & { type: string };

/** A streaming HTTP client for SSE (`data:` lines) and NDJSON responses, as a browser or curl would read them. */
export class StreamClient {
  readonly events: StreamEvent[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  body = '';
  ended = false;
  private request: http.ClientRequest | undefined;

  static open(
    url: string,
    options: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
  ): Promise<StreamClient> {
    const client = new StreamClient();
    return new Promise((resolve, reject) => {
      const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
      const request = http.request(url, {
        method: options.method ?? 'GET',
        headers: {
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
          ...options.headers,
        },
      });
      client.request = request;
      request.on('error', (error) => (client.status === 0 ? reject(error) : undefined));
      request.on('response', (res) => {
        client.status = res.statusCode ?? 0;
        client.headers = res.headers;
        res.setEncoding('utf8');
        let buffer = '';
        res.on('data', (text: string) => {
          client.body += text;
          buffer += text;
          const sse = (res.headers['content-type'] ?? '').includes('event-stream');
          const separator = sse ? '\n\n' : '\n';
          let at = buffer.indexOf(separator);
          while (at >= 0) {
            const block = buffer.slice(0, at);
            buffer = buffer.slice(at + separator.length);
            for (const line of block.split('\n')) {
              const data = sse ? (line.startsWith('data: ') ? line.slice(6) : null) : line;
              if (data && data !== '[DONE]') client.events.push(JSON.parse(data) as StreamEvent);
            }
            at = buffer.indexOf(separator);
          }
        });
        res.on('end', () => (client.ended = true));
        res.on('close', () => (client.ended = true));
        resolve(client);
      });
      request.end(payload);
    });
  }

  types(): string[] {
    return this.events.map((e) => e.type);
  }

  text(): string {
    return this.events
      .filter((e) => e.type === 'token')
      .map((e) => String(e.text))
      .join('');
  }

  waitFor(predicate: (event: StreamEvent) => boolean, what: string, timeoutMs = 5000): Promise<StreamEvent> {
    return waitFor(() => this.events.find(predicate), `${what} (got ${this.types().join(',')})`, timeoutMs);
  }

  waitForType(type: string, timeoutMs = 5000): Promise<StreamEvent> {
    return this.waitFor((e) => e.type === type, `event ${type}`, timeoutMs);
  }

  waitForEnd(timeoutMs = 5000): Promise<true> {
    return waitFor(() => this.ended, `end of stream (got ${this.types().join(',')})`, timeoutMs);
  }

  close(): void {
    this.request?.destroy();
  }
}

/** POST /api/llm/chat as a streaming client. */
export function chatStream(
  instance: Instance,
  user: TestUser,
  body: Record<string, unknown>,
): Promise<StreamClient> {
  return StreamClient.open(`${instance.url}/api/llm/chat`, { method: 'POST', headers: user.headers, body });
}

export async function jobRow(db: Kysely<Database>, jobId: string) {
  return db.selectFrom('llm_jobs').selectAll().where('id', '=', jobId).executeTakeFirstOrThrow();
}
