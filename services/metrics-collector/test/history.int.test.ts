/** History downsampling in SQL: shape, bounds, values, raw vs rollups, validation. */
import { historySchema } from '@arasul/contracts';
import { sql } from 'kysely';
import request from 'supertest';
import { HISTORY_RANGES, type HistoryRange, planBuckets } from '../src/metrics/history.service';
import { type TestContext, asCaller, createTestContext, identity } from './helpers';

const HOUR = 3_600_000;
let ctx: TestContext;
const viewer = asCaller(identity('viewer'));

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const history = (query: Record<string, string | number>) =>
  request(ctx.app).get('/api/metrics/history').query(query).set(viewer);

interface Point {
  t: string;
  avg: number;
  min: number;
  max: number;
}

describe('planBuckets', () => {
  it('never plans more than `points` buckets and always covers now', () => {
    const nows = [Date.UTC(2026, 0, 1, 0, 0, 0), Date.UTC(2026, 5, 17, 13, 27, 41, 123), Date.now()];
    for (const [range, spec] of Object.entries(HISTORY_RANGES)) {
      const unit = spec.source === 'raw' ? 1 : 3600;
      for (const points of [1, 2, 3, 7, 100, 299, 300, 301, 1999, 2000]) {
        for (const now of nows) {
          const plan = planBuckets(spec.seconds, points, now, unit);
          const buckets = Math.ceil(
            (plan.until.getTime() - plan.from.getTime()) / (plan.widthSeconds * 1000),
          );
          expect({ range, points, ok: buckets <= points }).toEqual({ range, points, ok: true });
          expect(plan.until.getTime()).toBeGreaterThan(now);
          expect(plan.from.getTime()).toBeLessThanOrEqual(now - spec.seconds * 1000);
          expect(plan.widthSeconds % unit).toBe(0);
        }
      }
    }
  });
});

describe('GET /api/metrics/history', () => {
  beforeAll(async () => {
    // Every 10 s over the last 2 hours: cpu alternates 20 / 40; ram rises 0 → 99.
    await sql`
      INSERT INTO metrics_cpu ("timestamp", value)
      SELECT now() - make_interval(secs => i * 10), CASE WHEN i % 2 = 0 THEN 20 ELSE 40 END
        FROM generate_series(0, 719) AS i`.execute(ctx.db);
    await sql`
      INSERT INTO metrics_disk ("timestamp", used, free, percent)
      SELECT now() - make_interval(secs => i * 10), 1, 1, 55.5 FROM generate_series(0, 719) AS i`.execute(
      ctx.db,
    );
  });

  it('returns at most `points` buckets of {t, avg, min, max}, oldest first, from raw samples', async () => {
    const res = await history({ metric: 'cpu', range: '1h', points: 12 });
    expect(res.status).toBe(200);
    expect(historySchema.safeParse(res.body).error).toBeUndefined();
    expect(res.headers['x-metrics-source']).toBe('raw');
    const points = res.body as Point[];
    expect(points.length).toBeGreaterThanOrEqual(11);
    expect(points.length).toBeLessThanOrEqual(12);
    for (const p of points) expect(Object.keys(p).sort()).toEqual(['avg', 'max', 'min', 't']);
    // The newest bucket is the one still filling: right after it opens it may hold a single sample.
    for (const p of points.slice(0, -1)) {
      expect(p.min).toBe(20);
      expect(p.max).toBe(40);
      expect(p.avg).toBeGreaterThan(25);
      expect(p.avg).toBeLessThan(35);
    }
    const newest = points[points.length - 1]!;
    expect([20, 40]).toContain(newest.min);
    expect([20, 40]).toContain(newest.max);
    const times = points.map((p) => Date.parse(p.t));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Date.now() - (times[0] ?? 0)).toBeLessThanOrEqual(
      HOUR + Number(res.headers['x-metrics-bucket-seconds']) * 1000,
    );
  });

  it('holds the bound for every points value, down to one', async () => {
    for (const points of [1, 2, 5, 299, 2000]) {
      const res = await history({ metric: 'cpu', range: '6h', points });
      expect({ points, status: res.status, within: (res.body as Point[]).length <= points }).toEqual({
        points,
        status: 200,
        within: true,
      });
    }
    const one = (await history({ metric: 'cpu', range: '1h', points: 1 })).body as Point[];
    expect(one).toEqual([{ t: expect.any(String), avg: expect.any(Number), min: 20, max: 40 }]);
    expect(one[0]?.avg).toBeCloseTo(30, 0);
  });

  it('uses the disk percentage for disk', async () => {
    const res = await history({ metric: 'disk', range: '24h', points: 3 });
    expect(res.body).toEqual(
      expect.arrayContaining([expect.objectContaining({ avg: 55.5, min: 55.5, max: 55.5 })]),
    );
  });

  it('serves long ranges from hourly rollups plus the raw samples not rolled up yet', async () => {
    const hourNow = Math.floor(Date.now() / HOUR) * HOUR;
    // Rollups for 48 complete hours ending 2 hours ago; the last 2 hours exist only as raw samples.
    const rows = Array.from({ length: 48 }, (_, i) => ({
      metric: 'temperature' as const,
      bucket: new Date(hourNow - (2 + i) * HOUR),
      min_value: 40,
      avg_value: i % 2 === 0 ? 50 : 60,
      max_value: 70,
      sample_count: i % 2 === 0 ? 100 : 300,
    }));
    await ctx.db.insertInto('metrics_hourly_rollups').values(rows).execute();
    await sql`INSERT INTO metrics_temperature ("timestamp", value)
              VALUES (now() - interval '30 minutes', 90), (now() - interval '20 minutes', 30)`.execute(
      ctx.db,
    );

    const res = await history({ metric: 'temperature', range: '30d', points: 30 });
    expect(res.status).toBe(200);
    expect(res.headers['x-metrics-source']).toBe('rollup');
    expect(Number(res.headers['x-metrics-bucket-seconds']) % 3600).toBe(0);
    const points = res.body as Point[];
    expect(points.length).toBeLessThanOrEqual(30);
    const last = points[points.length - 1]!;
    expect(last.max).toBe(90);
    expect(last.min).toBe(30);
    // A bucket made only of rollups averages them weighted by sample count (e.g. a 50 over 100 samples
    // and a 60 over 300 make 57.5); which hours fall into a bucket depends on the time of day.
    const width = Number(res.headers['x-metrics-bucket-seconds']) * 1000;
    const full = points.filter((p) => p.max === 70 && p.min === 40);
    expect(full.length).toBeGreaterThan(0);
    for (const p of full) {
      const start = Date.parse(p.t);
      const inBucket = rows.filter((r) => r.bucket.getTime() >= start && r.bucket.getTime() < start + width);
      const samples = inBucket.reduce((sum, r) => sum + r.sample_count, 0);
      const weighted = inBucket.reduce((sum, r) => sum + r.avg_value * r.sample_count, 0) / samples;
      expect(p.avg).toBeCloseTo(weighted, 1);
    }

    // A year in 2000 points: 5-hour buckets, so 50 hours of data make about 10 of them.
    const year = await history({ metric: 'temperature', range: '1y', points: 2000 });
    expect(year.headers['x-metrics-bucket-seconds']).toBe(String(5 * 3600));
    expect((year.body as Point[]).length).toBeGreaterThanOrEqual(10);
    expect((year.body as Point[]).length).toBeLessThanOrEqual(12);
  });

  it('answers an empty list for a metric without data', async () => {
    const res = await history({ metric: 'swap', range: '7d' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([]);
  });

  it.each([
    [{ metric: 'cpu', points: 0 }, 'points'],
    [{ metric: 'cpu', points: 2001 }, 'points'],
    [{ metric: 'cpu', points: 1.5 }, 'points'],
    [{ metric: 'cpu', points: 'many' }, 'points'],
    [{ metric: 'cpu', range: '2h' }, 'range'],
    [{ metric: 'fan' }, 'metric'],
    [{}, 'metric'],
  ] as [Record<string, string | number>, string][])('refuses %j with 400 naming %s', async (query, field) => {
    const res = await history(query);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.fields.map((f: { path: string }) => f.path)).toContain(field);
  });

  it('defaults to 300 points over the last hour', async () => {
    const res = await history({ metric: 'cpu' });
    expect(res.status).toBe(200);
    expect((res.body as Point[]).length).toBeLessThanOrEqual(300);
    expect(Number(res.headers['x-metrics-bucket-seconds'])).toBe(Math.ceil(3600 / 299));
  });

  it.each(['1h', '6h', '24h', '7d', '30d', '1y'] as HistoryRange[])(
    'answers range %s from its source',
    async (range) => {
      const res = await history({ metric: 'cpu', range });
      expect(res.status).toBe(200);
      expect(res.headers['x-metrics-source']).toBe(HISTORY_RANGES[range].source);
      expect((res.body as Point[]).length).toBeLessThanOrEqual(300);
    },
  );
});
