import { openAmqp, openPostgres } from '@arasul/service-kit/connections';
import { duplicateForSubscribe, openRedis } from '@arasul/service-kit/redis';
import { runService } from '@arasul/service-kit/service-main';
import { createApp } from './app';
import { createCollector } from './collector';
import { loadMetricsConfig } from './config';
import { SystemSampler } from './sampling/sampler';

const config = loadMetricsConfig();

/** Composition root: connections → sampler → app → listen → loops; stop in reverse. */
void runService('metrics-collector', config, async ({ logger, health, shutdown, lifecycle, serve }) => {
  const { db } = openPostgres(config, lifecycle);
  const redis = openRedis(config, { ...lifecycle, critical: true });
  const subscriber = duplicateForSubscribe(redis);
  subscriber.on('error', () => undefined); // the main client logs Redis outages once
  shutdown.add('redis-subscriber', () => subscriber.disconnect());

  const amqp = openAmqp(config, lifecycle);

  const sampler = await SystemSampler.create({
    diskPath: config.METRICS_DISK_PATH,
    gpuLoadPath: config.METRICS_GPU_LOAD_PATH,
    thermalRoot: config.METRICS_THERMAL_ROOT,
    nvidiaSmi: config.METRICS_NVIDIA_SMI,
    pathEnv: config.PATH,
    probeTimeoutMs: Math.min(3000, Math.round(config.METRICS_INTERVAL_MS * 0.8)),
  });
  const sources = sampler.sources();
  // Non-critical: a machine without a GPU or thermal zones is ready, but says what it cannot see.
  health.register({ name: 'gpu', critical: false, check: () => Promise.resolve(sources.gpu) });
  health.register({
    name: 'temperature',
    critical: false,
    check: () => Promise.resolve(sources.temperature),
  });

  const collector = createCollector({ config, logger, health, db, redis, subscriber, bus: amqp, sampler });
  health.register(collector.loop.healthCheck());
  shutdown.add('collector', () => collector.stop());

  const app = createApp({
    config,
    logger,
    health,
    db,
    redis,
    hub: collector.hub,
    retention: collector.retention,
    thresholdListener: collector.evaluator,
  });
  const server = await serve(app, config.METRICS_PORT, config.METRICS_HOST, {
    beforeClose: () => collector.hub.stop(), // end the event streams, or close() waits for them
  });

  await collector.start();
  return {
    host: config.METRICS_HOST,
    port: server.port,
    intervalMs: config.METRICS_INTERVAL_MS,
    diskPath: config.METRICS_DISK_PATH,
    gpu: sources.gpu,
    temperature: sources.temperature,
  };
});
