/**
 * The whole alert path across two services, on the real Postgres, Redis and RabbitMQ: a threshold changed
 * through metrics-collector's API → a sample above it → the collector's evaluator and alert outbox publish
 * `metrics.alert.fired` → the notifier's consumer routes it → its outbox → real telegraf → the fake Bot API.
 */
import request from 'supertest';
import { HealthRegistry, duplicateForSubscribe } from '@arasul/service-kit';
import { createApp } from '../services/metrics-collector/src/app';
import { type Collector, createCollector } from '../services/metrics-collector/src/collector';
import { parseMetricsConfig } from '../services/metrics-collector/src/config';
import { ScriptedSampler, sampleOf } from '../services/metrics-collector/test/helpers';
import {
  INTERNAL_SECRET,
  type NotifierTest,
  asCaller,
  createNotifierTest,
  linkOwnerChat,
  waitFor,
} from '../services/telegram-notifier/test/helpers';

const OWNER = 515151;

describe('metrics-collector alert → telegram-notifier → Telegram', () => {
  let ctx: NotifierTest;
  let collector: Collector;
  let sampler: ScriptedSampler;
  let metricsApp: ReturnType<typeof createApp>;
  let subscriber: ReturnType<typeof duplicateForSubscribe>;

  beforeAll(async () => {
    ctx = await createNotifierTest();
    await linkOwnerChat(ctx, OWNER);
    const { infra } = ctx;
    const config = parseMetricsConfig({
      NODE_ENV: 'test',
      INTERNAL_SECRET,
      REDIS_KEY_PREFIX: infra.redisPrefix,
      METRICS_INTERVAL_MS: '1000',
    });
    sampler = new ScriptedSampler();
    subscriber = duplicateForSubscribe(infra.redis);
    collector = createCollector({
      config,
      logger: infra.logger,
      health: new HealthRegistry('metrics-collector'),
      db: ctx.db,
      redis: infra.redis,
      subscriber,
      // The collector publishes on the same bus (namespace) the notifier consumes from, as in production.
      bus: infra.bus,
      sampler,
    });
    metricsApp = createApp({
      config,
      logger: infra.logger,
      health: new HealthRegistry('metrics-collector'),
      db: ctx.db,
      redis: infra.redis,
      hub: collector.hub,
      retention: collector.retention,
      thresholdListener: collector.evaluator,
    });
    await collector.start();
  });

  afterAll(async () => {
    await collector.stop();
    subscriber.disconnect();
    await ctx.close();
  });

  it('a CPU threshold crossed in metrics-collector reaches the linked chat and the outbox as sent', async () => {
    // What the first e2e attempt did through the gateway: the CPU warning threshold at 1 %.
    const put = await request(metricsApp)
      .put('/api/alerts/thresholds/cpu')
      .set(asCaller(ctx.admin))
      .send({ warningThreshold: 1, clearDelta: 0, forSamples: 1, cooldownSeconds: 0 });
    expect(put.status).toBe(200);
    sampler.push(sampleOf({ cpu: 37.5 }));

    const message = await waitFor(
      'the CPU alert at the fake Bot API',
      () => ctx.fake.sentTo(OWNER).find((m) => m.text.startsWith('⚠️ CPU')),
      20_000,
    );
    expect(message.text).toContain('CPU high: 37.5');
    // Marked sent right after Telegram's answer (a moment after the fake recorded the message).
    const row = await waitFor('the outbox row marked sent', () =>
      ctx.db
        .selectFrom('notification_events')
        .select(['status', 'subject', 'telegram_message_id'])
        .where('event_type', '=', 'metrics.alert.fired')
        .where('status', '=', 'sent')
        .executeTakeFirst(),
    );
    expect(row).toEqual({ status: 'sent', subject: 'cpu', telegram_message_id: message.messageId });
  });

  it('the value falling back under the threshold answers the fired message with "back to normal"', async () => {
    const fired = ctx.fake.sentTo(OWNER).find((m) => m.text.startsWith('⚠️ CPU'));
    sampler.push(sampleOf({ cpu: 0.5 }));
    const resolved = await waitFor(
      'the resolved message at the fake Bot API',
      () => ctx.fake.sentTo(OWNER).find((m) => m.text.includes('CPU back to normal')),
      20_000,
    );
    expect(resolved.replyToMessageId).toBe(fired?.messageId);
  });
});
