import { sql } from 'kysely';
import {
  cleanupRedisPrefix,
  createAmqpNamespace,
  createCapturedLogger,
  createTestDatabase,
  createTestRedisPrefix,
  deleteAmqpNamespace,
  TEST_REDIS_URL,
  type TestDatabase,
} from '@arasul/testkit';
import type { Database } from '@arasul/db';
import { HealthRegistry, Shutdown, Topology, openAmqp, openPostgres, openRedis } from '../src';
import { RABBITMQ_URL, waitFor } from './amqp-test-helpers';

const namespace = createAmqpNamespace();
const prefix = createTestRedisPrefix();
let testDb: TestDatabase<Database>;

beforeAll(async () => {
  testDb = await createTestDatabase();
});

afterAll(async () => {
  await testDb.drop();
  await cleanupRedisPrefix(prefix);
  await deleteAmqpNamespace(RABBITMQ_URL, namespace);
});

/** The discrete POSTGRES_* settings of the test database, as a service's config holds them. */
function postgresConfig(url: string) {
  const parsed = new URL(url);
  return {
    POSTGRES_HOST: parsed.hostname,
    POSTGRES_PORT: Number(parsed.port || 5432),
    POSTGRES_USER: decodeURIComponent(parsed.username),
    POSTGRES_PASSWORD: decodeURIComponent(parsed.password),
    POSTGRES_DB: parsed.pathname.slice(1),
    POSTGRES_POOL_MAX: 2,
  };
}

describe('openPostgres, openRedis, openAmqp', () => {
  it('register one check per connection and close every connection on shutdown, last opened first', async () => {
    const { logger, lines } = createCapturedLogger('conn-test', 'debug');
    const health = new HealthRegistry('conn-test');
    const shutdown = new Shutdown(logger, 10_000);
    const lifecycle = { service: 'conn-test', logger, health, shutdown };

    const { db, pool } = openPostgres(postgresConfig(testDb.url), lifecycle);
    const redis = openRedis(
      { REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: prefix },
      { ...lifecycle, critical: false },
    );
    const amqp = openAmqp({ RABBITMQ_URL }, { ...lifecycle, topology: new Topology({ namespace }) });
    await amqp.waitUntilConnected(5_000);

    const { rows } = await sql<{ name: string }>`SELECT current_setting('application_name') AS name`.execute(
      db,
    );
    expect(rows[0]?.name).toBe('arasul-conn-test');
    expect(pool.options.max).toBe(2);

    const report = await health.readiness();
    expect(Object.keys(report.checks)).toEqual(['postgres', 'redis', 'rabbitmq']);
    expect(report.checks.postgres).toMatchObject({ status: 'up', critical: true });
    expect(report.checks.redis).toMatchObject({ status: 'up', critical: false });
    expect(report.checks.rabbitmq).toMatchObject({ status: 'up', critical: true });
    expect(report.status).toBe('ready');

    await shutdown.run('test');

    const stopped = lines()
      .filter((line) => line.message === 'stopped')
      .map((line) => line.step);
    expect(stopped).toEqual(['rabbitmq', 'redis', 'postgres']);
    expect(pool.ending).toBe(true);
    await waitFor('the redis connection to end', () => redis.status === 'end');
    expect(amqp.isConnected).toBe(false);
    const after = await health.readiness();
    expect(after.checks.postgres?.status).toBe('down');
    expect(after.checks.redis?.status).toBe('down');
    expect(after.checks.rabbitmq?.status).toBe('down');
  });
});
