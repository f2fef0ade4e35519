import request from 'supertest';
import { z } from 'zod';
import { createCapturedLogger } from '@arasul/testkit';
import {
  ConflictError,
  createServiceApp,
  currentRequestId,
  HealthRegistry,
  parseInput,
  RateLimitedError,
} from '../src';

const INTERNAL = 'i'.repeat(32);

function buildApp() {
  const captured = createCapturedLogger('svc');
  const health = new HealthRegistry('svc');
  health.register({ name: 'postgres', check: async () => undefined });
  let redisUp = true;
  health.register({
    name: 'redis',
    check: async () => {
      if (!redisUp) throw new Error('connect ECONNREFUSED 127.0.0.1:6379');
    },
  });
  health.register({
    name: 'vectors',
    critical: false,
    check: async () => ({ fallback: 'embedded vector engine (QDRANT_URL unset)' }),
  });
  const app = createServiceApp({
    logger: captured.logger,
    health,
    jsonLimit: '2kb',
    internalSecret: INTERNAL,
    routes: (a) => {
      a.post('/things', (req, res) => {
        const body = parseInput(
          z.object({ name: z.string().min(1), count: z.number().int().min(0) }),
          req.body,
          'thing',
        );
        res.status(201).json({ ...body, requestId: currentRequestId() });
      });
      a.get('/conflict', () => {
        throw new ConflictError('That name is taken.', 'name_taken');
      });
      a.get('/limited', () => {
        throw new RateLimitedError('Slow down.', 12.2);
      });
      a.get('/pg-text', () => {
        // What node-postgres throws for a NUL byte that slipped through: SQLSTATE 22021.
        throw Object.assign(new Error('invalid byte sequence for encoding "UTF8": 0x00'), { code: '22021' });
      });
      a.get('/boom', async () => {
        await Promise.resolve();
        throw new Error('database password is hunter2');
      });
    },
  });
  return { app, captured, setRedis: (up: boolean) => (redisUp = up) };
}

describe('createServiceApp', () => {
  it('keeps a safe incoming request id, makes one otherwise, and exposes it to handlers', async () => {
    const { app } = buildApp();
    const kept = await request(app)
      .post('/things')
      .set('X-Request-Id', 'abc-123')
      .send({ name: 'a', count: 1 })
      .expect(201);
    expect(kept.headers['x-request-id']).toBe('abc-123');
    expect(kept.body.requestId).toBe('abc-123');

    const replaced = await request(app)
      .post('/things')
      .set('X-Request-Id', 'bad id with spaces;drop')
      .send({ name: 'a', count: 1 });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers invalid input with 400 naming each field', async () => {
    const { app } = buildApp();
    const res = await request(app).post('/things').send({ name: '', count: -1 }).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.message).toMatch(/^The thing is invalid: name: .*; count: /);
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toEqual(['name', 'count']);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    const { app } = buildApp();
    const bad = await request(app)
      .post('/things')
      .set('Content-Type', 'application/json')
      .send('{"name":')
      .expect(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const big = await request(app)
      .post('/things')
      .send({ name: 'x'.repeat(5000), count: 1 })
      .expect(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('maps AppErrors to their status, code and headers', async () => {
    const { app } = buildApp();
    const conflict = await request(app).get('/conflict').expect(409);
    expect(conflict.body).toEqual({ error: { code: 'name_taken', message: 'That name is taken.' } });
    const limited = await request(app).get('/limited').expect(429);
    expect(limited.headers['retry-after']).toBe('13');
  });

  it('hides unknown errors behind a 500 whose errorId is in the log', async () => {
    const { app, captured } = buildApp();
    const res = await request(app).get('/boom').expect(500);
    expect(res.body.error.code).toBe('internal_error');
    expect(JSON.stringify(res.body)).not.toContain('hunter2');
    const line = captured.lines().find((l) => l.message === 'unhandled error');
    expect(line?.errorId).toBe(res.body.error.errorId);
    expect(line?.level).toBe('error');
  });

  it('answers unknown routes with 404 route_not_found', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/nope').expect(404);
    expect(res.body.error.code).toBe('route_not_found');
  });

  it('reports readiness per dependency and names the one that is down', async () => {
    const { app, setRedis } = buildApp();
    const up = await request(app).get('/health/ready').set('Authorization', `Bearer ${INTERNAL}`).expect(200);
    expect(up.body.status).toBe('ready');
    expect(up.body.checks.vectors.info.fallback).toMatch(/embedded/);

    setRedis(false);
    const down = await request(app)
      .get('/health/ready')
      .set('Authorization', `Bearer ${INTERNAL}`)
      .expect(503);
    expect(down.body.checks.redis).toMatchObject({
      status: 'down',
      error: expect.stringContaining('ECONNREFUSED'),
    });
    expect(down.body.checks.postgres.status).toBe('up');
    await request(app).get('/health/live').expect(200);
  });

  it('shows readiness details only to holders of the internal secret; anyone else learns up or down', async () => {
    const { app, setRedis } = buildApp();
    const anonymous = await request(app).get('/health/ready').expect(200);
    expect(anonymous.body).toEqual({ status: 'ready', service: 'svc' });
    const wrong = await request(app).get('/health/ready').set('Authorization', 'Bearer nope').expect(200);
    expect(wrong.body.checks).toBeUndefined();
    setRedis(false);
    const down = await request(app).get('/health/ready').expect(503);
    expect(down.body).toEqual({ status: 'unready', service: 'svc' });
  });

  it('refuses NUL and lone surrogates in any validated string with 400 invalid_input', async () => {
    const { app } = buildApp();
    for (const name of ['a\\u0000b', '\\ud800x', 'x\\udc00']) {
      const res = await request(app)
        .post('/things')
        .set('Content-Type', 'application/json')
        .send(`{"name":"${name}","count":1}`)
        .expect(400);
      expect(res.body.error).toMatchObject({
        code: 'invalid_input',
        details: { fields: [{ path: 'name' }] },
      });
    }
    // A proper pair (a 4-byte emoji) is fine.
    await request(app).post('/things').send({ name: 'ok 😀', count: 1 }).expect(201);
  });

  it('maps Postgres text errors (22021, 22P05) that still occur to 400 invalid_input', async () => {
    const { app } = buildApp();
    const res = await request(app).get('/pg-text').expect(400);
    expect(res.body.error.code).toBe('invalid_input');
    expect(JSON.stringify(res.body)).not.toContain('UTF8');
  });
});
