import { Redis, type RedisOptions } from 'ioredis';
import type { z } from 'zod';
import type { commonEnvShape } from './config';
import type { ConnectionLifecycle } from './connections';
import type { HealthCheck } from './health';
import type { Logger } from './logger';
import { errorMeta } from './logger';

export interface RedisKitOptions {
  url: string;
  /** Every key this client touches starts with this, so services (and test files) never collide. */
  keyPrefix: string;
  logger: Logger;
  /** Commands fail fast instead of queueing while Redis is away: Redis only holds what may be lost. */
  maxRetriesPerRequest?: number;
  connectTimeoutMs?: number;
  /** Name shown in `CLIENT LIST`. */
  connectionName?: string;
}

export function createRedis(options: RedisKitOptions): Redis {
  const log = options.logger.child({ module: 'redis' });
  const redisOptions: RedisOptions = {
    keyPrefix: options.keyPrefix,
    maxRetriesPerRequest: options.maxRetriesPerRequest ?? 1,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    enableOfflineQueue: true,
    lazyConnect: false,
    // Reconnect forever with a capped back-off: the appliance outlives any Redis restart.
    retryStrategy: (attempt) => Math.min(200 * 2 ** Math.min(attempt, 6), 5000),
    ...(options.connectionName ? { connectionName: options.connectionName } : {}),
  };
  const client = new Redis(options.url, redisOptions);
  let down = false;
  client.on('error', (error: unknown) => {
    if (!down) log.warn('redis unavailable', errorMeta(error));
    down = true;
  });
  client.on('ready', () => {
    if (down) log.info('redis reconnected');
    down = false;
  });
  return client;
}

/** A second connection for SUBSCRIBE (a subscribed connection can issue no other commands). */
export function duplicateForSubscribe(client: Redis): Redis {
  return client.duplicate({ keyPrefix: '' });
}

export function redisHealthCheck(client: Redis, name = 'redis', critical = true): HealthCheck {
  return {
    name,
    critical,
    check: async () => {
      // ioredis types the answer as 'PONG'; a proxy or a wrong server could still say something else.
      const answer: string = await client.ping();
      if (answer !== 'PONG') throw new Error(`unexpected PING answer ${answer}`);
    },
  };
}

/** Deletes every key under a prefix with SCAN (never KEYS), in bounded batches. */
export async function deleteByPrefix(client: Redis, prefix: string, batch = 500): Promise<number> {
  // SCAN's MATCH ignores the client's keyPrefix, so match on the full key and delete without it.
  const raw = client.duplicate({ keyPrefix: '' });
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', batch);
      cursor = next;
      if (keys.length > 0) deleted += await raw.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    raw.disconnect();
  }
  return deleted;
}

export type RedisConfig = Pick<
  z.output<z.ZodObject<typeof commonEnvShape>>,
  'REDIS_URL' | 'REDIS_KEY_PREFIX'
>;

export interface RedisLifecycle extends ConnectionLifecycle {
  logger: Logger;
  /** Whether the service is unready while Redis is down; each caller states it. */
  critical: boolean;
}

/** Redis client with a `redis` check and a `redis` shutdown step. */
export function openRedis(config: RedisConfig, lifecycle: RedisLifecycle): Redis {
  const redis = createRedis({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    logger: lifecycle.logger,
    connectionName: `arasul-${lifecycle.service}`,
  });
  lifecycle.shutdown.add('redis', () => redis.disconnect());
  lifecycle.health.register(redisHealthCheck(redis, 'redis', lifecycle.critical));
  return redis;
}
