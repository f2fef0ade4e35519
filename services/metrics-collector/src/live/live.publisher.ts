import type { Redis } from 'ioredis';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { SampleSink } from '../sampling/sampling.loop';
import { type Sample, toSnapshot } from '../sampling/sample';
import { LATEST_KEY, samplesChannel } from './live.keys';

/**
 * Puts every sample into Redis: the latest snapshot (with a TTL, so a dead collector shows as "no data"
 * instead of a frozen picture) and a pub/sub message that every replica's SSE hub fans out. One write at
 * a time; while Redis is slow, only the newest waiting sample is kept (older ones are stale anyway).
 */
export class LivePublisher implements SampleSink {
  readonly name = 'live';
  private inFlight = false;
  private next: Sample | undefined;
  private readonly channel: string;
  private readonly ttlMs: number;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private failing = false;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    intervalMs: number,
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.channel = samplesChannel(keyPrefix);
    this.ttlMs = Math.max(30_000, intervalMs * 5);
    this.log = logger.child({ module: 'live' });
    this.loop = health.loop('live-publish');
  }

  accept(sample: Sample): void {
    if (this.inFlight) {
      this.next = sample;
      return;
    }
    void this.publish(sample);
  }

  /** Writes one sample now (tests and the loop); resolves when Redis answered or failed. */
  async publish(sample: Sample): Promise<void> {
    this.inFlight = true;
    const json = JSON.stringify(toSnapshot(sample));
    try {
      await this.redis.multi().set(LATEST_KEY, json, 'PX', this.ttlMs).publish(this.channel, json).exec();
      this.loop.success();
      if (this.failing) this.log.info('live metrics reach redis again');
      this.failing = false;
    } catch (error) {
      this.loop.failure(error);
      if (!this.failing) this.log.warn('cannot publish live metrics to redis', errorMeta(error));
      this.failing = true;
    } finally {
      this.inFlight = false;
    }
    const next = this.next;
    this.next = undefined;
    if (next) await this.publish(next);
  }
}
