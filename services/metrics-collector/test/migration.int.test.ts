/**
 * What migration 031 guarantees on top of the seed schema: swap samples, rollups, gpu/swap alerts with
 * their default thresholds (inserted in the same transaction that extends the enum), one open alert per
 * metric, and a clean way back down.
 */
import { type Kysely, sql } from 'kysely';
import { type Database, createMigrator, migrateToLatest } from '@arasul/db';
import { type TestDatabase, createTestDatabase } from '@arasul/testkit';

let database: TestDatabase<Database>;
let db: Kysely<Database>;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
});
afterAll(async () => {
  await database.drop();
});

async function sqlState(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error as { code?: string }).code,
  );
}

it('extends alert_metric_type with gpu and swap, in the seed order plus the new labels', async () => {
  const { rows } = await sql<{
    labels: string;
  }>`SELECT enum_range(NULL::alert_metric_type)::text AS labels`.execute(db);
  expect(rows[0]?.labels).toBe('{cpu,ram,disk,temperature,gpu,swap}');
});

it('allows one open alert per metric, any number of resolved ones', async () => {
  await db
    .insertInto('alert_history')
    .values({
      metric_type: 'gpu',
      severity: 'warning',
      initial_severity: 'warning',
      value: 90,
      threshold: 85,
    })
    .execute();
  const duplicate = db
    .insertInto('alert_history')
    .values({
      metric_type: 'gpu',
      severity: 'critical',
      initial_severity: 'critical',
      value: 99,
      threshold: 95,
    })
    .execute();
  expect(await sqlState(duplicate)).toBe('23505');
  await sql`UPDATE alert_history SET resolved_at = now()`.execute(db);
  await db
    .insertInto('alert_history')
    .values({
      metric_type: 'gpu',
      severity: 'critical',
      initial_severity: 'critical',
      value: 99,
      threshold: 95,
    })
    .execute();
  await sql`DELETE FROM alert_history`.execute(db);
});

it('makes cleanup_old_metrics cover metrics_swap', async () => {
  await sql`INSERT INTO metrics_swap ("timestamp", value) VALUES (now() - interval '8 days', 10), (now(), 11)`.execute(
    db,
  );
  const { rows } = await sql<{ removed: number }>`SELECT cleanup_old_metrics() AS removed`.execute(db);
  expect(rows[0]?.removed).toBe(1);
});

it('refuses rollups that contradict themselves or name an unknown metric', async () => {
  const bad = (metric: string, min: number, avg: number, max: number) =>
    sqlState(
      sql`INSERT INTO metrics_hourly_rollups VALUES (${metric}, now(), ${min}, ${avg}, ${max}, 1)`.execute(
        db,
      ),
    );
  expect(await bad('fan', 1, 2, 3)).toBe('23514');
  expect(await bad('cpu', 3, 2, 1)).toBe('23514');
});

it('goes down to 030 and up again without losing the seed rows', async () => {
  await db
    .insertInto('alert_history')
    .values({
      metric_type: 'cpu',
      severity: 'warning',
      initial_severity: 'warning',
      value: 81,
      threshold: 80,
    })
    .execute();
  const down = await createMigrator(db, 'main').migrateTo('030_auth_roles_sessions');
  expect(down.error).toBeUndefined();
  const { rows } = await sql<{
    labels: string;
  }>`SELECT enum_range(NULL::alert_metric_type)::text AS labels`.execute(db);
  expect(rows[0]?.labels).toBe('{cpu,ram,disk,temperature}');
  const thresholds = await sql<{
    metric_type: string;
  }>`SELECT metric_type FROM alert_thresholds ORDER BY id`.execute(db);
  expect(thresholds.rows.map((r) => r.metric_type)).toEqual(['cpu', 'ram', 'disk', 'temperature']);

  await migrateToLatest(db, 'main');
  const alerts = await db
    .selectFrom('alert_history')
    .select(['metric_type', 'initial_severity', 'peak_value'])
    .execute();
  expect(alerts).toEqual([{ metric_type: 'cpu', initial_severity: 'warning', peak_value: '81.00' }]);
  const after = await db.selectFrom('alert_thresholds').select('metric_type').orderBy('id').execute();
  expect(after.map((r) => r.metric_type)).toEqual(['cpu', 'ram', 'disk', 'temperature', 'gpu', 'swap']);
});
