import { sql } from 'kysely';
import { createDb, createPool } from '@arasul/db';
import {
  AmqpClient,
  HealthRegistry,
  Shutdown,
  createLogger,
  createRedis,
  errorMeta,
  listen,
  postgresUrl,
  redisHealthCheck,
} from '@arasul/service-kit';
import { createApp, createServices } from './app';
import { loadAuthConfig } from './config';
import { RetentionJob } from './retention/retention.job';

/** Composition root: config → logger → connections → app → listen → background jobs; stop in reverse. */
async function main(): Promise<void> {
  const config = loadAuthConfig();
  const logger = createLogger({ service: 'auth', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const shutdown = new Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();
  const health = new HealthRegistry('auth');

  const db = createDb(
    createPool({
      connectionString: postgresUrl(config),
      max: config.POSTGRES_POOL_MAX,
      application_name: 'arasul-auth',
    }),
  );
  shutdown.add('postgres', () => db.destroy());
  health.register({
    name: 'postgres',
    check: async () => {
      await sql`SELECT 1`.execute(db);
    },
  });

  const redis = createRedis({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    logger,
    connectionName: 'arasul-auth',
  });
  shutdown.add('redis', () => redis.disconnect());
  // Non-critical: login works without Redis; only revocation fan-out and webhooks need it.
  health.register(redisHealthCheck(redis, 'redis', false));

  const amqp = new AmqpClient({ url: config.RABBITMQ_URL, service: 'auth', logger }).start();
  shutdown.add('rabbitmq', () => amqp.close());
  health.register(amqp.healthCheck());

  const deps = { config, logger, health, db, redis, bus: amqp };
  const app = createApp(deps, createServices(deps));
  const server = await listen(app, config.AUTH_PORT, config.AUTH_HOST);
  shutdown.add('http', async () => {
    health.markShuttingDown();
    await server.close();
  });

  const retention = new RetentionJob(
    db,
    {
      intervalSeconds: config.RETENTION_INTERVAL_SECONDS,
      loginAttemptsDays: config.LOGIN_ATTEMPTS_RETENTION_DAYS,
    },
    health,
    logger,
  );
  retention.start();
  shutdown.add('retention', () => retention.stop());

  logger.info('auth service listening', {
    host: config.AUTH_HOST,
    port: server.port,
    webhooks: config.N8N_WEBHOOK_SECRET ? 'enabled' : 'disabled',
    cookieSecure: config.COOKIE_SECURE,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`auth service failed to start: ${JSON.stringify(errorMeta(error))}\n`);
  process.exit(1);
});
