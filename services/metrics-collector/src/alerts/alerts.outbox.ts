import type { Kysely } from 'kysely';
import type { EventPayloadInput } from '@arasul/contracts/events';
import { metricsAlertFiredSchema, metricsAlertResolvedSchema } from '@arasul/contracts/events/metrics';
import type { Database } from '@arasul/db';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import { alertsRepository as repo } from './alerts.repository';

/** The part of the AMQP client the outbox needs (`AmqpClient` in main and in tests). */
export interface AlertBus {
  publish(
    routingKey: 'metrics.alert.fired',
    payload: EventPayloadInput<'metrics.alert.fired'>,
    options: { id: string },
  ): Promise<unknown>;
  publish(
    routingKey: 'metrics.alert.resolved',
    payload: EventPayloadInput<'metrics.alert.resolved'>,
    options: { id: string },
  ): Promise<unknown>;
}

export interface OutboxOptions {
  batchSize?: number;
  /** Batches per run; the rest goes in the next run. */
  maxBatches?: number;
  /** How often leftovers (broker was away, or after a restart) are retried. */
  retryMs?: number;
}

/**
 * Publishes the alert events the evaluator wrote, oldest first, with the row id as envelope id (so a
 * consumer dedupes a re-publish after a crash between confirm and bookkeeping). The first failure ends a
 * run, so "resolved" never overtakes its "fired"; the next run retries.
 */
export class AlertOutbox {
  private running: Promise<void> | undefined;
  private again = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private readonly batchSize: number;
  private readonly maxBatches: number;
  published = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: AlertBus,
    private readonly options: OutboxOptions,
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'alert-outbox' });
    this.loop = health.loop('alert-outbox');
    this.batchSize = options.batchSize ?? 50;
    this.maxBatches = options.maxBatches ?? 20;
  }

  start(): void {
    this.timer ??= setInterval(() => this.kick(), this.options.retryMs ?? 5000);
    this.timer.unref();
    this.kick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Publishes what is pending now (or right after the run in progress). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  /** Resolves when nothing is being published (tests). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async run(): Promise<void> {
    try {
      for (let batch = 0; batch < this.maxBatches; batch += 1) {
        const events = await repo.pendingEvents(this.db, this.batchSize);
        for (const event of events) {
          const ok = await this.publishOne(event);
          if (!ok) return;
        }
        if (events.length < this.batchSize) break;
      }
      this.loop.success();
    } catch (error) {
      this.loop.failure(error);
      this.log.error('alert outbox run failed', errorMeta(error));
    }
  }

  private async publishOne(event: {
    id: string;
    alert_id: number;
    event_type: 'metrics.alert.fired' | 'metrics.alert.resolved';
    payload: unknown;
  }): Promise<boolean> {
    try {
      if (event.event_type === 'metrics.alert.fired') {
        await this.bus.publish(event.event_type, metricsAlertFiredSchema.parse(event.payload), {
          id: event.id,
        });
      } else {
        await this.bus.publish(event.event_type, metricsAlertResolvedSchema.parse(event.payload), {
          id: event.id,
        });
      }
    } catch (error) {
      await repo.markFailed(this.db, event.id, errorMeta(error).err as string);
      this.loop.failure(error);
      this.log.warn('publishing an alert event failed; retrying later', {
        eventId: event.id,
        type: event.event_type,
        ...errorMeta(error),
      });
      return false;
    }
    await repo.markPublished(this.db, { id: event.id, alertId: event.alert_id, type: event.event_type });
    this.published += 1;
    return true;
  }
}
