import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { HealthRegistry } from '@arasul/service-kit/health';
import type { Logger } from '@arasul/service-kit/logger';
import { AlertEvaluator } from './alerts/alerts.evaluator';
import { type AlertBus, AlertOutbox } from './alerts/alerts.outbox';
import type { MetricsConfig } from './config';
import { samplesChannel } from './live/live.keys';
import { LivePublisher } from './live/live.publisher';
import { StreamHub } from './live/stream.hub';
import { RetentionJob } from './retention/retention.job';
import type { Sampler } from './sampling/sampler';
import { SamplingLoop } from './sampling/sampling.loop';
import { SampleWriter } from './storage/samples.writer';

export interface CollectorDeps {
  config: MetricsConfig;
  logger: Logger;
  health: HealthRegistry;
  db: Kysely<Database>;
  redis: Redis;
  /** A connection of its own for SUBSCRIBE (`duplicateForSubscribe`). */
  subscriber: Redis;
  bus: AlertBus;
  sampler: Sampler;
  /** The alert clock (tests move it to pass cooldowns). */
  now?: () => number;
}

/** Every moving part of the collector, wired but not started: sample → Redis / Postgres / alerts. */
export interface Collector {
  sampler: Sampler;
  loop: SamplingLoop;
  live: LivePublisher;
  writer: SampleWriter;
  evaluator: AlertEvaluator;
  outbox: AlertOutbox;
  hub: StreamHub;
  retention: RetentionJob;
  start(): Promise<void>;
  /** Stops sampling first, then flushes what is buffered, then the rest. */
  stop(): Promise<void>;
}

export function createCollector(deps: CollectorDeps): Collector {
  const { config, logger, health, db } = deps;
  const interval = config.METRICS_INTERVAL_MS;
  const live = new LivePublisher(deps.redis, config.REDIS_KEY_PREFIX, interval, health, logger);
  const writer = new SampleWriter(
    db,
    {
      flushIntervalMs: config.METRICS_FLUSH_INTERVAL_MS,
      // An hour of samples at 1 s; at most a few MB.
      maxBuffered: 3600,
      batchSize: 500,
    },
    health,
    logger,
  );
  const outbox = new AlertOutbox(db, deps.bus, {}, health, logger);
  const evaluator = new AlertEvaluator(
    db,
    deps.redis,
    outbox,
    { intervalMs: interval, ...(deps.now ? { now: deps.now } : {}) },
    health,
    logger,
  );
  const loop = new SamplingLoop(deps.sampler, [live, writer, evaluator], interval, health, logger);
  const hub = new StreamHub(
    deps.subscriber,
    {
      channel: samplesChannel(config.REDIS_KEY_PREFIX),
      maxClients: config.METRICS_STREAM_MAX_CLIENTS,
      heartbeatMs: config.METRICS_STREAM_HEARTBEAT_MS,
      maxBufferedBytes: config.METRICS_STREAM_MAX_BUFFERED_BYTES,
    },
    logger,
  );
  const retention = new RetentionJob(
    db,
    {
      rawDays: config.METRICS_RAW_RETENTION_DAYS,
      rollupDays: config.METRICS_ROLLUP_RETENTION_DAYS,
      eventDays: 7,
      intervalSeconds: config.METRICS_RETENTION_INTERVAL_SECONDS,
      batchSize: config.METRICS_RETENTION_BATCH,
      maxBatches: 200,
    },
    health,
    logger,
  );

  return {
    sampler: deps.sampler,
    loop,
    live,
    writer,
    evaluator,
    outbox,
    hub,
    retention,
    async start() {
      await evaluator.start();
      await hub.start();
      outbox.start();
      writer.start();
      retention.start();
      loop.start();
    },
    async stop() {
      await loop.stop();
      await hub.stop();
      await evaluator.stop();
      await writer.stop();
      await outbox.stop();
      await retention.stop();
    },
  };
}
