import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Envelope } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { AmqpClient, Topology, createRedis, type Logger } from '@arasul/service-kit';
import { createAmqpNamespace, deleteAmqpNamespace } from './amqp';
import { createTestDatabase, type TestDatabase } from './database';
import { createSilentLogger } from './logger';
import { TEST_REDIS_URL, cleanupRedisPrefix, createTestRedisPrefix } from './redis';

export const TEST_RABBITMQ_URL = process.env.TEST_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';

/** Every event a service published, as a subscriber on the (namespaced) bus saw it. */
export class CapturedEvents {
  readonly received: Envelope<Record<string, unknown>>[] = [];

  of(type: string): Envelope<Record<string, unknown>>[] {
    return this.received.filter((e) => e.type === type);
  }

  payloads(type: string): Record<string, unknown>[] {
    return this.of(type).map((e) => e.payload);
  }

  /** The first event of `type` whose payload matches; fails after `timeoutMs`. */
  async waitFor(
    type: string,
    match: (payload: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<Envelope<Record<string, unknown>>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(type).find((e) => match(e.payload));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for event ${type}`);
      await sleep(25);
    }
  }
}

/** What one service test file runs on: its own database, Redis prefix and AMQP namespace. */
export interface ServiceTestInfra {
  database: TestDatabase<Database>;
  redisPrefix: string;
  redis: Redis;
  namespace: string;
  bus: AmqpClient;
  events: CapturedEvents;
  logger: Logger;
  /** Closes the bus and Redis, then removes the namespace, the Redis keys and the database. */
  close(): Promise<void>;
}

/**
 * The per-file infrastructure every service test needs, built the same way everywhere: a migrated database
 * clone, a Redis client under a fresh prefix, an AMQP client in a fresh namespace, and a subscriber that
 * records the events matching `eventPatterns`.
 */
export async function createServiceTestInfra(
  service: string,
  eventPatterns: string[],
): Promise<ServiceTestInfra> {
  const database = await createTestDatabase();
  const redisPrefix = createTestRedisPrefix();
  const logger = createSilentLogger();
  const redis = createRedis({ url: TEST_REDIS_URL, keyPrefix: redisPrefix, logger });
  const namespace = createAmqpNamespace();
  const bus = new AmqpClient({
    url: TEST_RABBITMQ_URL,
    service,
    logger,
    topology: new Topology({ namespace }),
  }).start();
  const events = new CapturedEvents();
  const queue = `${service}-test.events`;
  await bus.subscribe(queue, eventPatterns);
  await bus.consume(queue, z.unknown(), ({ envelope }) => {
    events.received.push(envelope as Envelope<Record<string, unknown>>);
    return Promise.resolve();
  });
  await bus.waitUntilConnected(10_000);

  return {
    database,
    redisPrefix,
    redis,
    namespace,
    bus,
    events,
    logger,
    close: async () => {
      await bus.close();
      await deleteAmqpNamespace(TEST_RABBITMQ_URL, namespace);
      redis.disconnect();
      await cleanupRedisPrefix(redisPrefix);
      await database.drop();
    },
  };
}
