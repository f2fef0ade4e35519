import type { EventPayloadInput, EventType } from '@arasul/contracts/events';
import { type Logger, errorMeta } from './logger';

/** The part of the AMQP client a service publishes through (`AmqpClient` in main and in tests). */
export interface EventBus {
  publish<K extends EventType>(routingKey: K, payload: EventPayloadInput<K>): Promise<unknown>;
}

/**
 * Publishes a fact without making the caller wait for the broker: the database row is committed already,
 * and an HTTP answer or the next LLM job must not take 5 s because RabbitMQ is restarting. Failures are
 * logged (warn), never thrown.
 */
export class EventPublisher {
  private readonly log: Logger;

  constructor(
    private readonly bus: EventBus,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'events' });
  }

  /** Resolves once the broker confirmed or the publish failed (never rejects). */
  publish<K extends EventType>(routingKey: K, payload: EventPayloadInput<K>): Promise<void> {
    return this.bus.publish(routingKey, payload).then(
      () => undefined,
      (error: unknown) => {
        this.log.warn('event not published', { routingKey, ...errorMeta(error) });
      },
    );
  }

  /** Fire and forget; see `publish`. */
  emit<K extends EventType>(routingKey: K, payload: EventPayloadInput<K>): void {
    void this.publish(routingKey, payload);
  }
}
