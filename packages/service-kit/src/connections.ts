import { type Kysely, sql } from 'kysely';
import type { Pool } from 'pg';
import type { Redis } from 'ioredis';
import type { z } from 'zod';
import { type Database, createDb, createPool } from '@arasul/db';
import { AmqpClient, type Topology } from './amqp';
import { type commonEnvShape, postgresUrl } from './config';
import type { HealthRegistry } from './health';
import type { Logger } from './logger';
import { createRedis, redisHealthCheck } from './redis';
import type { Shutdown } from './shutdown';

/**
 * The connections every service opens in its composition root. Each one registers its readiness check
 * and its shutdown step as it opens, so main.ts registers steps in start order and they stop in reverse.
 */

type CommonEnv = z.output<z.ZodObject<typeof commonEnvShape>>;

export type PostgresConfig = Pick<
  CommonEnv,
  | 'POSTGRES_HOST'
  | 'POSTGRES_PORT'
  | 'POSTGRES_USER'
  | 'POSTGRES_PASSWORD'
  | 'POSTGRES_DB'
  | 'POSTGRES_POOL_MAX'
>;
export type RedisConfig = Pick<CommonEnv, 'REDIS_URL' | 'REDIS_KEY_PREFIX'>;
export type AmqpConfig = Pick<CommonEnv, 'RABBITMQ_URL'>;

export interface ConnectionLifecycle {
  /** The service name; connections show up as `arasul-<service>` in pg_stat_activity and CLIENT LIST. */
  service: string;
  health: HealthRegistry;
  shutdown: Shutdown;
}

export interface PostgresConnection {
  db: Kysely<Database>;
  /** The pool under `db`; `db.destroy()` ends it. */
  pool: Pool;
}

/** Postgres pool + Kysely, with a `postgres` check (`SELECT 1`) and a `postgres` shutdown step. */
export function openPostgres(config: PostgresConfig, lifecycle: ConnectionLifecycle): PostgresConnection {
  const pool = createPool({
    connectionString: postgresUrl(config),
    max: config.POSTGRES_POOL_MAX,
    application_name: `arasul-${lifecycle.service}`,
  });
  const db = createDb(pool);
  lifecycle.shutdown.add('postgres', () => db.destroy());
  lifecycle.health.register({
    name: 'postgres',
    check: async () => {
      await sql`SELECT 1`.execute(db);
    },
  });
  return { db, pool };
}

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

export interface AmqpLifecycle extends ConnectionLifecycle {
  logger: Logger;
  /** Defaults to the platform's topology without a namespace. */
  topology?: Topology;
}

/** Started AmqpClient (connects in the background) with a `rabbitmq` check and a `rabbitmq` shutdown step. */
export function openAmqp(config: AmqpConfig, lifecycle: AmqpLifecycle): AmqpClient {
  const amqp = new AmqpClient({
    url: config.RABBITMQ_URL,
    service: lifecycle.service,
    logger: lifecycle.logger,
    topology: lifecycle.topology,
  }).start();
  lifecycle.shutdown.add('rabbitmq', () => amqp.close());
  lifecycle.health.register(amqp.healthCheck());
  return amqp;
}
