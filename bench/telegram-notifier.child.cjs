// The telegram-notifier as the bench runs it: the built service (dist), wired exactly as src/main.ts does,
// except that its AMQP names live under the bench's namespace so it never consumes the shared broker's
// real `telegram-notifier.events` queue. Configured from the environment like the service.
const { join } = require('node:path');
// Per concern, as src/main.ts imports them (the service-kit index would load every concern: Redis, auth, …).
const kitDist = (file) => require(join(__dirname, '../packages/service-kit/dist', file));
const kit = {
  ...kitDist('logger.js'),
  ...kitDist('shutdown.js'),
  ...kitDist('health.js'),
  ...kitDist('connections.js'),
  ...kitDist('redis.js'),
  ...kitDist('amqp/index.js'),
  ...kitDist('http/server.js'),
};
// BENCH_NOTIFIER_DIST (relative to the checkout) runs another build of the notifier, e.g. a previous commit's.
const dist = join(__dirname, '..', process.env.BENCH_NOTIFIER_DIST ?? 'services/telegram-notifier/dist');
const { loadNotifierConfig } = require(join(dist, 'config.js'));
const { createNotifier } = require(join(dist, 'notifier.js'));

async function main() {
  const config = loadNotifierConfig();
  const logger = kit.createLogger({ service: 'telegram-notifier', level: config.LOG_LEVEL, format: 'json' });
  const shutdown = new kit.Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
  shutdown.installSignalHandlers();
  const health = new kit.HealthRegistry('telegram-notifier');
  const lifecycle = { service: 'telegram-notifier', logger, health, shutdown };
  const { db } = kit.openPostgres(config, lifecycle);
  const redis = kit.openRedis(config, { ...lifecycle, critical: false });
  const topology = new kit.Topology({ namespace: process.env.BENCH_AMQP_NAMESPACE });
  const bus = kit.openAmqp(config, { ...lifecycle, topology });
  const notifier = createNotifier({ config, logger, health, db, redis, bus });
  shutdown.add('notifier', () => notifier.stop());
  const server = await kit.listen(notifier.app, config.TELEGRAM_NOTIFIER_PORT, '127.0.0.1');
  shutdown.add('http', () => server.close());
  await notifier.start();
}

main().catch((error) => {
  process.stderr.write(`bench notifier failed: ${String(error)}\n`);
  process.exit(1);
});
