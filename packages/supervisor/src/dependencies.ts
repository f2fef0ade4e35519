import { connect } from 'amqplib';
import { Redis } from 'ioredis';
import pg from 'pg';

export interface DependencyState {
  name: string;
  target: string;
  up: boolean;
  latencyMs: number;
  error?: string;
}

async function probe(name: string, target: string, fn: () => Promise<void>): Promise<DependencyState> {
  const started = performance.now();
  try {
    await fn();
    return { name, target, up: true, latencyMs: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      name,
      target,
      up: false,
      latencyMs: Math.round(performance.now() - started),
      error: error instanceof Error ? error.message : String(error),
    };
  }
}

function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(invalid url)';
  }
}

/** Checks each server the platform needs by speaking its protocol, not just by opening a port. */
export async function checkDependencies(
  env: NodeJS.ProcessEnv,
  timeoutMs = 3000,
): Promise<DependencyState[]> {
  const pgConfig = {
    host: env.POSTGRES_HOST ?? '127.0.0.1',
    port: Number(env.POSTGRES_PORT ?? 5432),
    user: env.POSTGRES_USER ?? 'arasul',
    password: env.POSTGRES_PASSWORD ?? '',
    database: env.POSTGRES_DB ?? 'arasul_db',
    connectionTimeoutMillis: timeoutMs,
  };
  const redisUrl = env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const amqpUrl = env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

  return Promise.all([
    probe('postgres', `${pgConfig.host}:${pgConfig.port}/${pgConfig.database}`, async () => {
      const client = new pg.Client(pgConfig);
      try {
        await client.connect();
        await client.query('SELECT 1');
      } finally {
        await client.end().catch(() => undefined);
      }
    }),
    probe('redis', redact(redisUrl), async () => {
      const client = new Redis(redisUrl, {
        lazyConnect: true,
        connectTimeout: timeoutMs,
        maxRetriesPerRequest: 0,
        retryStrategy: () => null,
      });
      try {
        await client.connect();
        await client.ping();
      } finally {
        client.disconnect();
      }
    }),
    probe('rabbitmq', redact(amqpUrl), async () => {
      const connection = await connect(amqpUrl, { timeout: timeoutMs });
      await connection.close();
    }),
  ]);
}
