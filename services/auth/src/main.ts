import {
  HealthRegistry,
  Shutdown,
  createLogger,
  errorMeta,
  listen,
  openAmqp,
  openPostgres,
  openRedis,
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

  const lifecycle = { service: 'auth', logger, health, shutdown };
  const { db } = openPostgres(config, lifecycle);
  // Non-critical: login works without Redis; only revocation fan-out and webhooks need it.
  const redis = openRedis(config, { ...lifecycle, critical: false });
  const amqp = openAmqp(config, lifecycle);

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
