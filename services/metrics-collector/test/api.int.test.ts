/** The HTTP API: who may call what, the live snapshot, thresholds, acknowledgement and alert history. */
import { alertListSchema, metricsSnapshotSchema, thresholdListSchema } from '@arasul/contracts';
import { sql } from 'kysely';
import request from 'supertest';
import { createDb, createPool } from '@arasul/db';
import { HealthRegistry, type Identity } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { createApp } from '../src/app';
import {
  type TestContext,
  apiKeyIdentity,
  asCaller,
  createTestContext,
  createUser,
  identity,
  INTERNAL_SECRET,
  sampleOf,
} from './helpers';

let ctx: TestContext;
let operator: Identity;
let secondOperator: Identity;
let admin: Identity;
const viewer = identity('viewer');

beforeAll(async () => {
  ctx = await createTestContext();
  operator = await createUser(ctx.db, 'olga', 'operator');
  secondOperator = await createUser(ctx.db, 'otto', 'operator');
  admin = await createUser(ctx.db, 'ada', 'admin');
  const sample = sampleOf({ cpu: 12.5, gpu: null, temperature: 48 });
  sample.unavailable.gpu = 'no GPU load source (METRICS_GPU_LOAD_PATH unset)';
  await ctx.collector.live.publish(sample);
});
afterAll(async () => {
  await ctx.close();
});

const readEndpoints = [
  '/api/metrics/live',
  '/api/metrics/history?metric=cpu',
  '/api/metrics/retention',
  '/api/alerts/active',
  '/api/alerts/history',
  '/api/alerts/thresholds',
];

describe('authorization', () => {
  it.each(readEndpoints)(
    'GET %s: 401 without identity, 200 for a viewer and a metrics:read key, 403 for another key',
    async (path) => {
      const anonymous = await request(ctx.app).get(path);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('unauthorized');

      expect((await request(ctx.app).get(path).set(asCaller(viewer))).status).toBe(200);
      expect(
        (
          await request(ctx.app)
            .get(path)
            .set(asCaller(apiKeyIdentity(['metrics:read'])))
        ).status,
      ).toBe(200);

      const wrongKey = await request(ctx.app)
        .get(path)
        .set(asCaller(apiKeyIdentity(['llm:chat', 'documents:read'])));
      expect(wrongKey.status).toBe(403);
      expect(wrongKey.body.error.code).toBe('insufficient_scope');
    },
  );

  it('refuses the live stream without identity or scope (before any stream starts)', async () => {
    expect((await request(ctx.app).get('/api/metrics/stream')).status).toBe(401);
    expect(
      (
        await request(ctx.app)
          .get('/api/metrics/stream')
          .set(asCaller(apiKeyIdentity([])))
      ).status,
    ).toBe(403);
  });

  it('refuses a forged identity header', async () => {
    const res = await request(ctx.app).get('/api/metrics/live').set('X-Arasul-Identity', 'not.a.token');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('invalid_identity');
  });

  it('lets only operators and admins change thresholds or acknowledge; API keys never', async () => {
    const put = (who: Identity) =>
      request(ctx.app).put('/api/alerts/thresholds/cpu').set(asCaller(who)).send({ cooldownSeconds: 300 });
    expect((await put(viewer)).body.error.code).toBe('insufficient_role');
    expect((await put(apiKeyIdentity(['metrics:read']))).status).toBe(403);
    expect((await put(operator)).status).toBe(200);
    expect((await put(admin)).status).toBe(200);
    const ack = await request(ctx.app).post('/api/alerts/history/1/acknowledge').set(asCaller(viewer));
    expect(ack.status).toBe(403);
  });
});

describe('GET /api/metrics/live', () => {
  it('answers the same snapshot service-to-service on /internal/metrics/live, only with the internal secret', async () => {
    const anonymous = await request(ctx.app).get('/internal/metrics/live');
    expect(anonymous.status).toBe(401);
    const asViewer = await request(ctx.app).get('/internal/metrics/live').set(asCaller(viewer));
    expect(asViewer.status).toBe(401);
    const res = await request(ctx.app)
      .get('/internal/metrics/live')
      .set('Authorization', `Bearer ${INTERNAL_SECRET}`);
    expect(res.status).toBe(200);
    expect(metricsSnapshotSchema.parse(res.body)).toMatchObject({ cpu: 12.5, temperature: 48 });
  });

  it('answers the latest snapshot from Redis, with the reason for every missing value', async () => {
    const res = await request(ctx.app).get('/api/metrics/live').set(asCaller(viewer));
    expect(res.status).toBe(200);
    expect(metricsSnapshotSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body).toEqual({
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      cpu: 12.5,
      ram: 30,
      swap: 0,
      gpu: null,
      temperature: 48,
      disk: { used: 40e9, free: 60e9, percent: 40 },
      unavailable: { gpu: 'no GPU load source (METRICS_GPU_LOAD_PATH unset)' },
      sources: {},
    });
  });

  it('does not need Postgres', async () => {
    const noDb = createDb(createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 }));
    const app = createApp({
      config: ctx.config,
      logger: createSilentLogger(),
      health: new HealthRegistry('t'),
      db: noDb,
      redis: ctx.redis,
      hub: ctx.collector.hub,
      retention: ctx.collector.retention,
      thresholdListener: ctx.collector.evaluator,
    });
    const res = await request(app).get('/api/metrics/live').set(asCaller(viewer));
    expect(res.status).toBe(200);
    expect(res.body.cpu).toBe(12.5);
    await noDb.destroy();
  });

  it('answers 503 no_recent_sample when there is no snapshot', async () => {
    await ctx.redis.del('metrics:latest');
    const res = await request(ctx.app).get('/api/metrics/live').set(asCaller(viewer));
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('no_recent_sample');
    await ctx.collector.live.publish(sampleOf({ cpu: 12.5 }));
  });
});

describe('thresholds', () => {
  it('lists the six metrics with their defaults', async () => {
    const res = await request(ctx.app).get('/api/alerts/thresholds').set(asCaller(viewer));
    expect(res.status).toBe(200);
    expect(thresholdListSchema.safeParse(res.body).error).toBeUndefined();
    const byMetric = Object.fromEntries(
      (res.body.items as { metric: string }[]).map(({ metric, ...rest }) => [metric, rest]),
    );
    expect(Object.keys(byMetric)).toEqual(['cpu', 'ram', 'swap', 'gpu', 'temperature', 'disk']);
    const defaults = { enabled: true, cooldownSeconds: 300, forSamples: 3, clearDelta: 5 };
    expect(byMetric.cpu).toMatchObject({
      warningThreshold: 80,
      criticalThreshold: 95,
      unit: '%',
      ...defaults,
    });
    expect(byMetric.ram).toMatchObject({ warningThreshold: 80, criticalThreshold: 95, ...defaults });
    expect(byMetric.disk).toMatchObject({ warningThreshold: 80, criticalThreshold: 95, ...defaults });
    expect(byMetric.gpu).toMatchObject({
      warningThreshold: 85,
      criticalThreshold: 95,
      displayName: 'GPU usage',
      ...defaults,
    });
    expect(byMetric.swap).toMatchObject({
      warningThreshold: 50,
      criticalThreshold: 80,
      displayName: 'Swap usage',
      ...defaults,
    });
    expect(byMetric.temperature).toMatchObject({
      warningThreshold: 75,
      criticalThreshold: 85,
      unit: '°C',
      ...defaults,
    });
  });

  it('applies a partial update and the evaluator uses it from the next sample', async () => {
    const res = await request(ctx.app)
      .put('/api/alerts/thresholds/ram')
      .set(asCaller(operator))
      .send({ warningThreshold: 60, forSamples: 1 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      metric: 'ram',
      warningThreshold: 60,
      criticalThreshold: 95,
      forSamples: 1,
      clearDelta: 5,
      enabled: true,
    });

    await ctx.collector.evaluator.evaluate(sampleOf({ ram: 61 }));
    const open = await ctx.db
      .selectFrom('alert_history')
      .selectAll()
      .where('metric_type', '=', 'ram')
      .execute();
    expect(open).toEqual([expect.objectContaining({ severity: 'warning', threshold: '60.00' })]);

    // Disabling resolves the open alert at once, without waiting for the next sample.
    await request(ctx.app).put('/api/alerts/thresholds/ram').set(asCaller(operator)).send({ enabled: false });
    const after = await ctx.db
      .selectFrom('alert_history')
      .selectAll()
      .where('metric_type', '=', 'ram')
      .execute();
    expect(after).toEqual([expect.objectContaining({ resolved_at: expect.any(Date) })]);
    expect(ctx.collector.evaluator.openAlerts().has('ram')).toBe(false);
    // A sample while it is off opens nothing.
    await ctx.collector.evaluator.evaluate(sampleOf({ ram: 99 }));
    expect(
      await ctx.db.selectFrom('alert_history').select('id').where('metric_type', '=', 'ram').execute(),
    ).toHaveLength(1);
    await request(ctx.app)
      .put('/api/alerts/thresholds/ram')
      .set(asCaller(operator))
      .send({ enabled: true, warningThreshold: 80, forSamples: 3 });
  });

  it.each([
    ['cpu', { warningThreshold: 96 }, 'threshold_order_invalid'],
    ['cpu', { warningThreshold: 90, criticalThreshold: 90 }, 'threshold_order_invalid'],
    ['cpu', { criticalThreshold: 101 }, 'threshold_out_of_range'],
    ['disk', { warningThreshold: -1 }, 'threshold_out_of_range'],
    ['temperature', { warningThreshold: 10 }, 'threshold_out_of_range'],
    ['temperature', { criticalThreshold: 130 }, 'threshold_out_of_range'],
    ['cpu', { warningThreshold: 4 }, 'clear_delta_invalid'],
    ['gpu', {}, 'validation_failed'],
    ['gpu', { warning: 50 }, 'validation_failed'],
    ['gpu', { warningThreshold: '50' }, 'validation_failed'],
    ['gpu', { forSamples: 0 }, 'validation_failed'],
    ['gpu', { forSamples: 2.5 }, 'validation_failed'],
    ['gpu', { cooldownSeconds: -1 }, 'validation_failed'],
    ['gpu', { clearDelta: 60 }, 'validation_failed'],
    ['fan', { warningThreshold: 50 }, 'validation_failed'],
  ] as [string, Record<string, unknown>, string][])(
    'PUT %s %j → 400 %s and nothing changes',
    async (metric, body, code) => {
      const before = await ctx.db.selectFrom('alert_thresholds').selectAll().orderBy('id').execute();
      const res = await request(ctx.app)
        .put(`/api/alerts/thresholds/${metric}`)
        .set(asCaller(operator))
        .send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe(code);
      expect(res.body.error.message).toEqual(expect.any(String));
      expect(await ctx.db.selectFrom('alert_thresholds').selectAll().orderBy('id').execute()).toEqual(before);
    },
  );
});

describe('alert history and acknowledgement', () => {
  let alertIds: number[] = [];

  beforeAll(async () => {
    await sql`DELETE FROM alert_history`.execute(ctx.db);
    await request(ctx.app)
      .put('/api/alerts/thresholds/cpu')
      .set(asCaller(operator))
      .send({ forSamples: 1, cooldownSeconds: 0 });
    const t0 = Date.now() - 3_600_000;
    const values = [85, 10, 96, 10, 85, 10, 97];
    for (const [i, cpu] of values.entries()) {
      await ctx.collector.evaluator.evaluate(sampleOf({ cpu }, new Date(t0 + i * 60_000)));
    }
    const rows = await ctx.db.selectFrom('alert_history').select('id').orderBy('id').execute();
    alertIds = rows.map((r) => r.id);
  });

  it('keeps one row per alert; the open one is active', async () => {
    expect(alertIds).toHaveLength(4);
    const active = await request(ctx.app).get('/api/alerts/active').set(asCaller(viewer));
    expect(alertListSchema.safeParse(active.body).error).toBeUndefined();
    expect(active.body.items).toEqual([
      expect.objectContaining({
        id: alertIds[3],
        metric: 'cpu',
        status: 'active',
        severity: 'critical',
        value: 97,
        threshold: 95,
        unit: '%',
      }),
    ]);
  });

  it('pages and filters the history, newest first', async () => {
    const page = await request(ctx.app).get('/api/alerts/history?limit=2&offset=1').set(asCaller(viewer));
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 4, limit: 2, offset: 1 });
    expect(page.body.items.map((a: { id: number }) => a.id)).toEqual([alertIds[2], alertIds[1]]);

    const critical = await request(ctx.app)
      .get('/api/alerts/history?severity=critical&metric=cpu')
      .set(asCaller(viewer));
    expect(critical.body.items.map((a: { id: number }) => a.id)).toEqual([alertIds[3], alertIds[1]]);

    const otherMetric = await request(ctx.app).get('/api/alerts/history?metric=gpu').set(asCaller(viewer));
    expect(otherMetric.body).toMatchObject({ items: [], total: 0 });

    const firstTwo = await ctx.db
      .selectFrom('alert_history')
      .select('triggered_at')
      .orderBy('id')
      .limit(3)
      .execute();
    const windowed = await request(ctx.app)
      .get('/api/alerts/history')
      .query({ from: firstTwo[0]!.triggered_at.toISOString(), to: firstTwo[2]!.triggered_at.toISOString() })
      .set(asCaller(viewer));
    expect(windowed.body.items.map((a: { id: number }) => a.id)).toEqual([alertIds[1], alertIds[0]]);

    for (const bad of ['limit=0', 'limit=201', 'severity=fatal', 'from=yesterday', 'metric=fan']) {
      expect((await request(ctx.app).get(`/api/alerts/history?${bad}`).set(asCaller(viewer))).status).toBe(
        400,
      );
    }
  });

  it('records who acknowledged first; acknowledging again changes nothing', async () => {
    const id = alertIds[0]!;
    const first = await request(ctx.app)
      .post(`/api/alerts/history/${id}/acknowledge`)
      .set(asCaller(operator));
    expect(first.status).toBe(200);
    expect(first.body.acknowledged).toEqual({
      at: expect.any(String),
      by: { id: operator.userId, username: 'olga' },
    });
    const second = await request(ctx.app)
      .post(`/api/alerts/history/${id}/acknowledge`)
      .set(asCaller(secondOperator));
    expect(second.status).toBe(200);
    expect(second.body.acknowledged).toEqual(first.body.acknowledged);

    const missing = await request(ctx.app)
      .post('/api/alerts/history/999999/acknowledge')
      .set(asCaller(operator));
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('alert_not_found');
    expect(
      (await request(ctx.app).post('/api/alerts/history/abc/acknowledge').set(asCaller(operator))).status,
    ).toBe(400);
  });
});
