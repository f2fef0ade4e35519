/**
 * Batched sample storage, hourly rollups and retention against the real Postgres: insert old samples,
 * run the job, check what is left.
 */
import { sql } from 'kysely';
import { createDb, createPool } from '@arasul/db';
import { HealthRegistry } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import request from 'supertest';
import { RetentionJob } from '../src/retention/retention.job';
import { SampleWriter } from '../src/storage/samples.writer';
import { type TestContext, asCaller, createTestContext, identity, sampleOf } from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.close();
});

const count = async (
  table:
    | 'metrics_cpu'
    | 'metrics_gpu'
    | 'metrics_temperature'
    | 'metrics_disk'
    | 'metrics_swap'
    | 'metrics_ram',
) =>
  Number(
    (await sql<{ n: string }>`SELECT count(*) AS n FROM ${sql.table(table)}`.execute(ctx.db)).rows[0]?.n,
  );

async function truncateAll(): Promise<void> {
  await sql`TRUNCATE metrics_cpu, metrics_ram, metrics_swap, metrics_gpu, metrics_temperature, metrics_disk, metrics_hourly_rollups`.execute(
    ctx.db,
  );
}

function job(
  overrides: Partial<ConstructorParameters<typeof RetentionJob>[1]> = {},
  now = Date.now,
): RetentionJob {
  return new RetentionJob(
    ctx.db,
    {
      rawDays: 7,
      rollupDays: 365,
      eventDays: 7,
      intervalSeconds: 3600,
      batchSize: 5000,
      maxBatches: 200,
      ...overrides,
    },
    new HealthRegistry('test'),
    createSilentLogger(),
    now,
  );
}

describe('the sample writer', () => {
  beforeEach(truncateAll);

  it('writes a batch into the six tables, leaves gaps for unavailable values and tolerates a retried flush', async () => {
    const writer = new SampleWriter(
      ctx.db,
      { flushIntervalMs: 60_000, maxBuffered: 100, batchSize: 3 },
      new HealthRegistry('t'),
      createSilentLogger(),
    );
    const t0 = Date.now() - 60_000;
    const samples = Array.from({ length: 5 }, (_, i) =>
      sampleOf(
        { cpu: 10 + i, gpu: i === 2 ? null : 50, temperature: i === 4 ? null : 60.25 },
        new Date(t0 + i * 1000),
      ),
    );
    samples.forEach((s) => writer.accept(s));
    await writer.flush();

    expect(writer.written).toBe(5);
    expect(await count('metrics_cpu')).toBe(5);
    expect(await count('metrics_ram')).toBe(5);
    expect(await count('metrics_swap')).toBe(5);
    expect(await count('metrics_gpu')).toBe(4);
    expect(await count('metrics_temperature')).toBe(4);
    const disk = await ctx.db.selectFrom('metrics_disk').selectAll().orderBy('timestamp').execute();
    expect(disk[0]).toMatchObject({ used: '40000000000', free: '60000000000', percent: '40.00' });
    const cpu = await ctx.db.selectFrom('metrics_cpu').selectAll().orderBy('timestamp').execute();
    expect(cpu.map((r) => r.value)).toEqual(['10.00', '11.00', '12.00', '13.00', '14.00']);

    samples.forEach((s) => writer.accept(s));
    await writer.flush();
    expect(await count('metrics_cpu')).toBe(5);
  });

  it('keeps at most maxBuffered samples while Postgres is unreachable, dropping the oldest', async () => {
    const unreachable = createDb(
      createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1 }),
    );
    const health = new HealthRegistry('t');
    const writer = new SampleWriter(
      unreachable,
      { flushIntervalMs: 60_000, maxBuffered: 5, batchSize: 2 },
      health,
      createSilentLogger(),
    );
    const t0 = Date.now();
    for (let i = 0; i < 8; i += 1) writer.accept(sampleOf({ cpu: i }, new Date(t0 + i)));
    await writer.flush();
    expect(writer.buffered).toBe(5);
    expect(writer.dropped).toBe(3);
    expect((await health.readiness()).loops['storage-flush']?.failures).toBe(1);
    await unreachable.destroy();
  });
});

describe('rollups and retention', () => {
  beforeEach(truncateAll);

  /** One cpu sample per minute over `hours` hours from `start`, value = minute of the hour. */
  async function seedCpuMinutes(start: Date, hours: number): Promise<void> {
    await sql`
      INSERT INTO metrics_cpu ("timestamp", value)
      SELECT ts, extract(minute FROM ts AT TIME ZONE 'UTC')
        FROM generate_series(${start}::timestamptz, ${start}::timestamptz + make_interval(hours => ${hours}) - interval '1 minute',
                             interval '1 minute') AS ts`.execute(ctx.db);
  }

  it('rolls complete hours up, then deletes raw samples after 7 days and rollups after a year', async () => {
    const now = Math.floor(Date.now() / HOUR) * HOUR + 10 * 60_000; // 10 minutes into an hour
    const oldStart = new Date(now - 10 * DAY - 10 * 60_000); // a whole hour, 10 days ago
    await seedCpuMinutes(oldStart, 3);
    await seedCpuMinutes(new Date(now - 2 * HOUR - 10 * 60_000), 2); // the two hours before the current one
    await sql`INSERT INTO metrics_cpu ("timestamp", value) VALUES (${new Date(now - 60_000)}, 99)`.execute(
      ctx.db,
    );
    await sql`INSERT INTO metrics_ram ("timestamp", value) VALUES (${new Date(now - 8 * DAY)}, 50), (${new Date(now - 7 * DAY + 60_000)}, 51)`.execute(
      ctx.db,
    );
    await ctx.db
      .insertInto('metrics_hourly_rollups')
      .values([
        {
          metric: 'gpu',
          bucket: new Date(now - 400 * DAY),
          min_value: 1,
          avg_value: 2,
          max_value: 3,
          sample_count: 10,
        },
        {
          metric: 'gpu',
          bucket: new Date(now - 300 * DAY),
          min_value: 1,
          avg_value: 2,
          max_value: 3,
          sample_count: 10,
        },
      ])
      .execute();

    const report = await job({}, () => now).runOnce();

    const cpuRollups = await ctx.db
      .selectFrom('metrics_hourly_rollups')
      .selectAll()
      .where('metric', '=', 'cpu')
      .orderBy('bucket')
      .execute();
    // 3 old hours + 2 recent complete hours; the current hour (the 99) is not complete yet.
    expect(cpuRollups).toHaveLength(5);
    for (const row of cpuRollups) {
      expect(row).toMatchObject({ min_value: 0, max_value: 59, avg_value: 29.5, sample_count: 60 });
      expect(row.bucket.getTime() % HOUR).toBe(0);
    }
    expect(report.rolledUpHours.cpu).toBe(5);
    // Raw: the 3 old hours are gone, the 2 recent hours and the newest sample stay.
    expect(report.deleted.cpu).toBe(180);
    expect(await count('metrics_cpu')).toBe(121);
    expect(report.deleted.ram).toBe(1);
    expect(await count('metrics_ram')).toBe(1);
    // Rollups: the 400-day-old one is gone, the 300-day-old one stays.
    expect(report.deleted.rollups).toBe(1);
    const gpu = await ctx.db
      .selectFrom('metrics_hourly_rollups')
      .select('bucket')
      .where('metric', '=', 'gpu')
      .execute();
    expect(gpu.map((r) => r.bucket.getTime())).toEqual([now - 300 * DAY]);

    // The next run re-rolls only the last hour again (late samples) and deletes nothing more.
    const again = await job({}, () => now).runOnce();
    expect(again.rolledUpHours.cpu).toBeLessThanOrEqual(2);
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
  });

  it('deletes a large backlog in bounded batches and finishes it over the next runs', async () => {
    const now = Date.now();
    await sql`
      INSERT INTO metrics_gpu ("timestamp", value)
      SELECT ${new Date(now - 9 * DAY)}::timestamptz + make_interval(secs => i), 50 FROM generate_series(1, 1000) AS i`.execute(
      ctx.db,
    );
    const small = job({ batchSize: 100, maxBatches: 3 }, () => now);
    expect((await small.runOnce()).deleted.gpu).toBe(300);
    expect(await count('metrics_gpu')).toBe(700);
    // …and the hours were rolled up before anything was deleted.
    const rolled = await ctx.db
      .selectFrom('metrics_hourly_rollups')
      .select((eb) => eb.fn.sum<string>('sample_count').as('n'))
      .where('metric', '=', 'gpu')
      .executeTakeFirstOrThrow();
    expect(Number(rolled.n)).toBe(1000);
    await small.runOnce();
    await small.runOnce();
    expect((await small.runOnce()).deleted.gpu).toBe(100);
    expect(await count('metrics_gpu')).toBe(0);
  });

  it('GET /api/metrics/retention tells what is kept, the oldest sample, rows and bytes per metric', async () => {
    const oldest = new Date(Date.now() - 3 * DAY);
    await sql`INSERT INTO metrics_temperature ("timestamp", value) VALUES (${oldest}, 50), (now(), 51)`.execute(
      ctx.db,
    );
    const res = await request(ctx.app)
      .get('/api/metrics/retention')
      .set(asCaller(identity('viewer')));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      raw: { keptDays: 7 },
      rollups: {
        keptDays: 365,
        resolution: 'hour',
        table: 'metrics_hourly_rollups',
        bytes: expect.any(Number),
      },
      deletion: { intervalSeconds: 3600, batchSize: 5000 },
    });
    const temperature = res.body.metrics.find((m: { metric: string }) => m.metric === 'temperature');
    expect(temperature).toMatchObject({
      table: 'metrics_temperature',
      unit: '°C',
      rows: 2,
      oldestSample: oldest.toISOString(),
      bytes: expect.any(Number),
    });
    expect(temperature.bytes).toBeGreaterThan(0);
    expect(res.body.metrics.map((m: { metric: string }) => m.metric)).toEqual([
      'cpu',
      'ram',
      'swap',
      'gpu',
      'temperature',
      'disk',
    ]);
  });
});
