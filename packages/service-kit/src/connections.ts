import { type Kysely, sql } from 'kysely';
import type { Pool } from 'pg';
import type { z } from 'zod';
import { type Database, createDb, createPool } from '@arasul/db';
import { AmqpClient, type Topology } from './amqp';
import { type commonEnvShape, postgresUrl } from './config';
import type { HealthRegistry } from './health';
import type { Logger } from './logger';
import type { Shutdown } from './shutdown';

/**
 * The connections every service opens in its composition root (Redis: `openRedis` in ./redis, so a service
 * without Redis never loads ioredis). Each one registers its readiness check
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
