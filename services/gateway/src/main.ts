import { createDb, createPool } from '@arasul/db';
import {
  createLogger,
  createRedis,
  duplicateForSubscribe,
  postgresUrl,
  runService,
} from '@arasul/service-kit';
import { createApp } from './app';
import { createComponents } from './components';
import { loadGatewayConfigOrExit } from './config';
import { createRateLimitRedis } from './ratelimit/rate-limiter';
import { isWorkerSupervisor, superviseWorkers } from './workers';

const config = loadGatewayConfigOrExit();

if (isWorkerSupervisor(config.GATEWAY_WORKERS)) {
  superviseWorkers(
    { workers: config.GATEWAY_WORKERS, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT_MS },
    createLogger({ service: 'gateway', level: config.LOG_LEVEL, format: config.LOG_FORMAT }),
  );
} else {
  /** Composition root of one gateway process; the components keep their own readiness registry. */
  void runService('gateway', config, async ({ logger, shutdown, serve }) => {
    const pool = createPool({
      connectionString: postgresUrl(config),
      max: config.POSTGRES_POOL_MAX,
      application_name: 'arasul-gateway',
      // The gateway writes only audit and key-usage rows, held in memory until written: no fsync per batch.
      asyncCommit: true,
    });
    const db = createDb(pool);
    shutdown.add('postgres', () => db.destroy());

    const redis = createRedis({
      url: config.REDIS_URL,
      keyPrefix: config.REDIS_KEY_PREFIX,
      logger,
      connectionName: 'arasul-gateway',
    });
    shutdown.add('redis', () => redis.disconnect());
    const subscriber = duplicateForSubscribe(redis);
    shutdown.add('redis subscriber', () => subscriber.disconnect());
    const rateLimitRedis = createRateLimitRedis(redis, logger);
    shutdown.add('redis rate limiter', () => rateLimitRedis.disconnect());

    const components = createComponents(config, logger, { db, redis, subscriber, rateLimitRedis });
    await components.start();
    shutdown.add('background work', () => components.stop());

    const app = createApp(components);
    const server = await serve(app, config.GATEWAY_PORT, config.GATEWAY_HOST, {
      health: components.health,
      server: app.serverOptions,
    });
    return { host: config.GATEWAY_HOST, port: server.port };
  });
}
