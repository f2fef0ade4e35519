import { join } from 'node:path';
import { openAmqp, openPostgres } from '@arasul/service-kit/connections';
import { runService } from '@arasul/service-kit/service-main';
import { SELF_NAME, createAgent } from './agent';
import { createApp } from './app';
import { loadSelfHealingConfig } from './config';
import { Heartbeat } from './heartbeat';
import { selectRuntime } from './runtime/select-runtime';

const config = loadSelfHealingConfig();

/** Composition root: connections → runtime → agent → app → listen; stop in reverse. */
void runService(SELF_NAME, config, async ({ logger, health, shutdown, lifecycle, serve }) => {
  const { db } = openPostgres(config, lifecycle);
  const amqp = openAmqp(config, lifecycle);

  const runtime = await selectRuntime(config, logger);
  const agent = createAgent({ config, logger, health, db, bus: amqp, consumer: amqp, runtime });
  shutdown.add('agent', () => agent.stop());

  const app = createApp({ config, logger, health, db, ...agent });
  const server = await serve(app, config.SELF_HEALING_PORT, config.SELF_HEALING_HOST);

  await agent.start();
  const tickMs = config.SELF_HEALING_TICK_MS;
  const heartbeat = new Heartbeat(
    config.SELF_HEALING_HEARTBEAT_PATH ??
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
  return { port: server.port, runtime: runtime.kind };
});
