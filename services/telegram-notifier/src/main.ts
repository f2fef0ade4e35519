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
import { loadNotifierConfig } from './config';
import { createNotifier } from './notifier';

/** Composition root: config → logger → connections → notifier → listen → loops; stop in reverse. */
async function main(): Promise<void> {
  const config = loadNotifierConfig();
  const logger = createLogger({
    service: 'telegram-notifier',
    level: config.LOG_LEVEL,
    format: config.LOG_FORMAT,
  });
  const shutdown = new Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();
  const health = new HealthRegistry('telegram-notifier');
  const lifecycle = { service: 'telegram-notifier', logger, health, shutdown };
  const { db } = openPostgres(config, lifecycle);
  const redis = openRedis(config, { ...lifecycle, critical: false });
  const bus = openAmqp(config, lifecycle);

  const notifier = createNotifier({ config, logger, health, db, redis, bus });
  shutdown.add('notifier', () => notifier.stop());
  const server = await listen(notifier.app, config.TELEGRAM_NOTIFIER_PORT, config.TELEGRAM_NOTIFIER_HOST);
  shutdown.add('http', async () => {
    health.markShuttingDown();
    await server.close();
  });
  await notifier.start();
  logger.info('telegram notifier listening', {
    host: config.TELEGRAM_NOTIFIER_HOST,
    port: server.port,
    encryptionKey: config.TELEGRAM_ENCRYPTION_KEY !== undefined,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`telegram notifier failed to start: ${JSON.stringify(errorMeta(error))}\n`);
  process.exit(1);
});
