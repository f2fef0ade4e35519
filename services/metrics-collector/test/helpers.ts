import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import {
  type AmqpClient,
  HealthRegistry,
  type Identity,
  type Role,
  duplicateForSubscribe,
  signIdentity,
} from '@arasul/service-kit';
import { CapturedEvents, createServiceTestInfra } from '@arasul/testkit';
import { createApp } from '../src/app';
import { type Collector, createCollector } from '../src/collector';
import { type MetricsConfig, parseMetricsConfig } from '../src/config';
import type { Sampler } from '../src/sampling/sampler';
import type { MetricName, Sample, SourceReport } from '../src/sampling/sample';

export { TEST_RABBITMQ_URL as RABBITMQ_URL } from '@arasul/testkit';
export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef-0123456789';

/** A sampler that returns what the test queued (the last one again when the queue is empty). */
export class ScriptedSampler implements Sampler {
  private readonly queue: Sample[] = [];
  private last: Sample = sampleOf({});

  push(...samples: Sample[]): void {
    this.queue.push(...samples);
  }

  sample(): Promise<Sample> {
    this.last = this.queue.shift() ?? { ...this.last, timestamp: new Date() };
    return Promise.resolve(this.last);
  }

  sources(): SourceReport {
    return { gpu: { fallback: 'scripted' }, temperature: { fallback: 'scripted' } };
  }
}

type Values = Partial<Record<Exclude<MetricName, 'disk'>, number | null>> & { disk?: number | null };

/** A sample with calm defaults; `disk` is given as its percent. */
export function sampleOf(values: Values, timestamp = new Date()): Sample {
  const disk = values.disk === undefined ? 40 : values.disk;
  return {
    timestamp,
    cpu: values.cpu === undefined ? 10 : values.cpu,
    ram: values.ram === undefined ? 30 : values.ram,
    swap: values.swap === undefined ? 0 : values.swap,
    gpu: values.gpu === undefined ? 5 : values.gpu,
    temperature: values.temperature === undefined ? 45 : values.temperature,
    disk: disk === null ? null : { used: disk * 1e9, free: (100 - disk) * 1e9, percent: disk },
    unavailable: {},
    sources: {},
  };
}

export { CapturedEvents };

export interface TestContext {
  db: Kysely<Database>;
  redis: Redis;
  redisPrefix: string;
  config: MetricsConfig;
  sampler: ScriptedSampler;
  collector: Collector;
  app: Express;
  events: CapturedEvents;
  bus: AmqpClient;
  /** The alert clock; tests move it forward to pass cooldowns. */
  clock: { now: number };
  /** A second collector on the same database, Redis and bus: what a restart comes back as. */
  restartCollector(): Promise<Collector>;
  close(): Promise<void>;
}

export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const infra = await createServiceTestInfra('metrics-collector', ['metrics.alert.*']);
  const { database, redis, redisPrefix, bus, events, logger } = infra;

  const config = parseMetricsConfig({
    NODE_ENV: 'test',
    INTERNAL_SECRET,
    REDIS_KEY_PREFIX: redisPrefix,
    METRICS_INTERVAL_MS: '1000',
    ...overrides,
  });
  const clock = { now: Date.now() };
  const subscribers: Redis[] = [];
  const collectors: Collector[] = [];
  const build = (sampler: ScriptedSampler) => {
    const subscriber = duplicateForSubscribe(redis);
    subscribers.push(subscriber);
    const collector = createCollector({
      config,
      logger,
      health: new HealthRegistry('metrics-collector'),
      db: database.db,
      redis,
      subscriber,
      bus,
      sampler,
      now: () => clock.now,
    });
    collectors.push(collector);
    return collector;
  };
  const sampler = new ScriptedSampler();
  const collector = build(sampler);
  await collector.evaluator.start();
  await collector.hub.start();
  const app = createApp({
    config,
    logger,
    health: new HealthRegistry('metrics-collector'),
    db: database.db,
    redis,
    hub: collector.hub,
    retention: collector.retention,
    thresholdListener: collector.evaluator,
  });

  return {
    db: database.db,
    redis,
    redisPrefix,
    config,
    sampler,
    collector,
    app,
    events,
    bus,
    clock,
    restartCollector: async () => {
      const next = build(new ScriptedSampler());
      await next.evaluator.start();
      return next;
    },
    close: async () => {
      for (const c of collectors) await c.stop();
      for (const s of subscribers) s.disconnect();
      await infra.close();
    },
  };
}

export async function waitFor<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  timeoutMs = 5000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export function identity(role: Role, userId = 1, username = `${role}-user`): Identity {
  return { userId, username, role, authType: 'jwt', scopes: [] };
}

export function apiKeyIdentity(scopes: Identity['scopes'], userId = 1): Identity {
  return { userId, username: 'key-owner', role: 'admin', authType: 'api_key', scopes, apiKeyId: 7 };
}

/** The header the gateway sets for a verified caller. */
export function asCaller(who: Identity): Record<string, string> {
  return { 'X-Arasul-Identity': signIdentity(who, INTERNAL_SECRET) };
}

export async function createUser(db: Kysely<Database>, username: string, role: Role): Promise<Identity> {
  const row = await db
    .insertInto('admin_users')
    .values({ username, password_hash: 'not-a-real-hash', role })
    .returning('id')
    .executeTakeFirstOrThrow();
  return identity(role, row.id, username);
}
