import { join } from 'node:path';
import {
  HealthRegistry,
  Shutdown,
  createLogger,
  errorMeta,
  listen,
  openAmqp,
  openPostgres,
} from '@arasul/service-kit';
import { SELF_NAME, createAgent } from './agent';
import { createApp } from './app';
import { loadSelfHealingConfig } from './config';
import { Heartbeat } from './heartbeat';
import { selectRuntime } from './runtime/select-runtime';

/** Composition root: config → logger → connections → runtime → agent → app → listen; stop in reverse. */
async function main(): Promise<void> {
  const config = loadSelfHealingConfig();
  const logger = createLogger({ service: SELF_NAME, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const shutdown = new Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();
  const health = new HealthRegistry(SELF_NAME);
  const lifecycle = { service: SELF_NAME, logger, health, shutdown };
  const { db } = openPostgres(config, lifecycle);
  const amqp = openAmqp(config, lifecycle);

  const runtime = await selectRuntime(config, logger);
  const agent = createAgent({ config, logger, health, db, bus: amqp, consumer: amqp, runtime });
  shutdown.add('agent', () => agent.stop());

  const app = createApp({ config, logger, health, db, ...agent });
  const server = await listen(app, config.SELF_HEALING_PORT, config.SELF_HEALING_HOST);
  shutdown.add('http', async () => {
    health.markShuttingDown();
    await server.close();
  });

  await agent.start();
  const tickMs = config.SELF_HEALING_TICK_MS;
  const heartbeat = new Heartbeat(
    config.SELF_HEALING_HEARTBEAT_FILE ??
      join(config.ARASUL_VAR ?? join(config.ARASUL_ROOT, 'var'), 'run', 'self-healing.heartbeat'),
    config.SELF_HEALING_HEARTBEAT_MS,
    () => {
      const last = agent.healer.lastTick();
      return last !== null && Date.now() - last < Math.max(tickMs * 10, 5000);
    },
    logger,
  );
  await heartbeat.start();
  shutdown.add('heartbeat', () => heartbeat.stop());
  logger.info('self-healing agent listening', { port: server.port, runtime: runtime.kind });
}

main().catch((error: unknown) => {
  process.stderr.write(`self-healing agent failed to start: ${JSON.stringify(errorMeta(error))}\n`);
  process.exit(1);
});
