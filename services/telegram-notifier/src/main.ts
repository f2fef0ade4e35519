import { openAmqp, openPostgres } from '@arasul/service-kit/connections';
import { openRedis } from '@arasul/service-kit/redis';
import { runService } from '@arasul/service-kit/service-main';
import { loadNotifierConfig } from './config';
import { createNotifier } from './notifier';

const config = loadNotifierConfig();

/** Composition root: connections → notifier → listen → loops; stop in reverse. */
void runService('telegram-notifier', config, async ({ logger, health, shutdown, lifecycle, serve }) => {
  const { db } = openPostgres(config, lifecycle);
  const redis = openRedis(config, { ...lifecycle, critical: false });
  const bus = openAmqp(config, lifecycle);

  const notifier = createNotifier({ config, logger, health, db, redis, bus });
  shutdown.add('notifier', () => notifier.stop());
  const server = await serve(notifier.app, config.TELEGRAM_NOTIFIER_PORT, config.TELEGRAM_NOTIFIER_HOST);
  await notifier.start();
  return {
    host: config.TELEGRAM_NOTIFIER_HOST,
    port: server.port,
    encryptionKey: config.TELEGRAM_ENCRYPTION_KEY !== undefined,
  };
});
