import { openAmqp, openPostgres, openRedis, runService } from '@arasul/service-kit';
import { createApp, createServices } from './app';
import { loadAuthConfig } from './config';
import { RetentionJob } from './retention/retention.job';

const config = loadAuthConfig();

/** Composition root: connections → app → listen → background jobs; stop in reverse. */
void runService('auth', config, async ({ logger, health, shutdown, lifecycle, serve }) => {
  const { db } = openPostgres(config, lifecycle);
  // Non-critical: login works without Redis; only revocation fan-out and webhooks need it.
  const redis = openRedis(config, { ...lifecycle, critical: false });
  const amqp = openAmqp(config, lifecycle);

  const deps = { config, logger, health, db, redis, bus: amqp };
  const server = await serve(createApp(deps, createServices(deps)), config.AUTH_PORT, config.AUTH_HOST);

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

  return {
    host: config.AUTH_HOST,
    port: server.port,
    webhooks: config.N8N_WEBHOOK_SECRET ? 'enabled' : 'disabled',
    cookieSecure: config.COOKIE_SECURE,
  };
});
