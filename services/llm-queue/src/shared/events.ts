import type { EventPayloadInput, EventType } from '@arasul/contracts';
import { type Logger, errorMeta } from '@arasul/service-kit';

/** The part of the AMQP client the service uses (`AmqpClient` in main and in tests). */
export interface EventBus {
  publish<K extends EventType>(routingKey: K, payload: EventPayloadInput<K>): Promise<unknown>;
}

/**
 * Publishes a fact without making the scheduler wait for the broker: the job's final state is committed
 * already, and the next job must not wait 5 s because RabbitMQ is restarting. Failures are logged.
 */
export class EventPublisher {
  private readonly log: Logger;

  constructor(
    private readonly bus: EventBus,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'events' });
  }

  emit<K extends EventType>(routingKey: K, payload: EventPayloadInput<K>): void {
    this.bus.publish(routingKey, payload).catch((error: unknown) => {
      this.log.warn('event not published', { routingKey, ...errorMeta(error) });
    });
  }
}
