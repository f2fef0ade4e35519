import { platformHealthSchema } from '@arasul/contracts';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
import {
  INTERNAL_SECRET,
  accessToken,
  buildGateway,
  createTestDatabase,
  deadUrl,
  startHttp,
  type RunningHttp,
  type TestGateway,
} from './helpers';

let db: TestDatabase<Database>;
let llm: RunningHttp;
let auth: RunningHttp;
let gateway: TestGateway;
let llmHealthCalls = 0;
let servicesDir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  auth = await startHttp((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        status: 'ready',
        service: 'auth',
        uptimeSeconds: 3,
        checks: { postgres: { status: 'up', latencyMs: 1, critical: true } },
        loops: {},
      }),
    );
  });
  // A service that runs but is not ready: its vector store is down, and it runs on an embedded fallback.
  llm = await startHttp((_req, res) => {
    llmHealthCalls += 1;
    res.statusCode = 503;
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        status: 'unready',
        service: 'llm-queue',
        uptimeSeconds: 3,
        checks: {
          postgres: { status: 'up', latencyMs: 1, critical: true },
          ollama: {
            status: 'down',
            latencyMs: 3,
            critical: true,
            error: 'connect ECONNREFUSED 10.0.0.5:11434 password=oops',
          },
          embeddings: { status: 'up', latencyMs: 0, critical: false, info: { fallback: 'hashing-embedder' } },
        },
        loops: { scheduler: { lastError: 'secret detail' } },
      }),
    );
  });
  servicesDir = mkdtempSync(join(tmpdir(), 'gateway-services-'));
  for (const name of ['auth', 'llm-queue', 'metrics-collector', 'gateway']) {
    mkdirSync(join(servicesDir, name));
    writeFileSync(join(servicesDir, name, 'package.json'), '{}');
  }
  gateway = await buildGateway({
    db,
    env: {
      AUTH_URL: auth.url,
      LLM_QUEUE_URL: llm.url,
      METRICS_URL: await deadUrl(),
      SERVICES_DIR: servicesDir,
      AUDIT_ENABLED: 'false',
    },
  });
});

afterAll(async () => {
  await gateway.stop();
  await llm.close();
  await auth.close();
  await db.drop();
});

describe('GET /api/health', () => {
  it('reports every service, the dependencies and the rate limiter, without secrets', async () => {
    const res = await request(gateway.app).get('/api/health');
    expect(res.status).toBe(200);
    expect(platformHealthSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body).toEqual({
      status: 'degraded',
      services: {
        auth: { status: 'up', latencyMs: expect.any(Number), checks: { postgres: 'up' } },
        'llm-queue': {
          status: 'degraded',
          latencyMs: expect.any(Number),
          checks: { postgres: 'up', ollama: 'down', embeddings: 'up' },
          fallbacks: ['hashing-embedder'],
        },
        'metrics-collector': { status: 'down', latencyMs: expect.any(Number) },
        'document-indexer': { status: 'not_installed', latencyMs: expect.any(Number) },
        'self-healing-agent': { status: 'not_installed', latencyMs: expect.any(Number) },
        'telegram-notifier': { status: 'not_installed', latencyMs: expect.any(Number) },
        'update-manager': { status: 'not_installed', latencyMs: expect.any(Number) },
        datentabellen: { status: 'not_installed', latencyMs: expect.any(Number) },
      },
      dependencies: { postgres: 'up', redis: 'up', rabbitmq: 'up' },
      rateLimiter: 'redis',
      version: '0.1.0',
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('password');
    expect(text).not.toContain('10.0.0.5');
    expect(text).not.toContain('secret');
  });

  it('answers a burst from one round of probes', async () => {
    const before = llmHealthCalls;
    await Promise.all(Array.from({ length: 10 }, () => request(gateway.app).get('/api/health')));
    expect(llmHealthCalls - before).toBeLessThanOrEqual(1);
  });

  it('needs no authentication, and is `down` (503) when auth cannot be reached', async () => {
    const noAuth = await buildGateway({ db, env: { AUDIT_ENABLED: 'false', SERVICES_DIR: servicesDir } });
    const res = await request(noAuth.app).get('/api/health');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ status: 'down', services: { auth: { status: 'down' } } });
    await noAuth.stop();
  });

  it("shows the gateway's own readiness, with the audit buffer, at /health/ready to an admin", async () => {
    const res = await request(gateway.app)
      .get('/health/ready')
      .set('Authorization', `Bearer ${accessToken({ role: 'admin' }).token}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ready',
      service: 'gateway',
      checks: { postgres: { status: 'up' }, redis: { status: 'up' }, audit: { status: 'up' } },
    });
    const service = await request(gateway.app)
      .get('/health/ready')
      .set('Authorization', `Bearer ${INTERNAL_SECRET}`);
    expect(service.body.checks.audit.status).toBe('up');
  });

  it('answers /health/ready with up/down only to anyone else (a loopback address proves nothing)', async () => {
    for (const authorization of [
      undefined,
      `Bearer ${accessToken({ role: 'operator' }).token}`,
      'Bearer not-a-token',
      `Bearer ${accessToken({ role: 'admin' }, { secret: 'another-secret-0123456789abcdef0123' }).token}`,
    ]) {
      const req = request(gateway.app).get('/health/ready');
      const res = await (authorization === undefined ? req : req.set('Authorization', authorization));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ready', service: 'gateway' });
    }
  });
});
