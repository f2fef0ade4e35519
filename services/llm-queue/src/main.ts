import { createPool } from '@arasul/db';
import { errorMeta, openAmqp, openPostgres, openRedis, postgresUrl, runService } from '@arasul/service-kit';
import { createApp, createServices, ollamaHealthCheck } from './app';
import { loadLlmQueueConfig } from './config';
import { RetentionJob } from './chats/chats.retention';

/** Admissions that may hold a connection at once (they queue behind one advisory lock anyway). */
const ADMISSION_CONNECTIONS = 3;

const config = loadLlmQueueConfig();

/** Composition root: connections → app → listen → scheduler; stop in reverse. */
void runService('llm-queue', config, async ({ logger, health, shutdown, lifecycle, serve }) => {
  const { db, pool } = openPostgres(config, lifecycle);
  pool.on('error', (error) => logger.warn('idle postgres connection failed', errorMeta(error)));
  const admissions = createPool({
    connectionString: postgresUrl(config),
    max: ADMISSION_CONNECTIONS,
    // Kept open while idle: the first admission after a quiet minute must not pay a new connection.
    idleTimeoutMillis: 0,
    application_name: 'arasul-llm-queue-admissions',
    pipeline: true,
  });
  admissions.on('error', (error) => logger.warn('idle postgres connection failed', errorMeta(error)));
  shutdown.add('postgres-admissions', () => admissions.end());
  const redis = openRedis(config, { ...lifecycle, critical: true });
  const amqp = openAmqp(config, lifecycle);

  const deps = { config, logger, health, db, pool, admissions, redis, bus: amqp };
  const services = createServices(deps);
  shutdown.add('ollama-client', () => services.ollama.close());
  health.register(ollamaHealthCheck(services));
  await services.models.syncCatalog();

  // Stopped after the HTTP server: running jobs go back to the front of the queue with their text so far.
  shutdown.add('scheduler', () => services.scheduler.stop('graceful'));
  shutdown.add('pulls', () => services.pulls.stopAll());

  const app = createApp(deps, services);
  const server = await serve(app, config.LLM_QUEUE_PORT, config.LLM_QUEUE_HOST, { graceMs: 1000 });

  await services.scheduler.start();
  void services.models.reconcile().catch((error: unknown) => {
    logger.warn('installed models not reconciled at start', errorMeta(error));
  });

  const retention = new RetentionJob(
    db,
    { intervalSeconds: config.RETENTION_INTERVAL_SECONDS, chatRetentionDays: config.CHAT_RETENTION_DAYS },
    health,
    logger,
  );
  retention.start();
  shutdown.add('retention', () => retention.stop());

  return {
    host: config.LLM_QUEUE_HOST,
    port: server.port,
    ollama: config.OLLAMA_URL,
    parallel: config.LLM_PARALLEL,
    leader: services.scheduler.isLeader,
  };
});
