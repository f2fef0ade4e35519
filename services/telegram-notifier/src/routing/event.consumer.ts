import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '@arasul/db';
import type { AmqpClient, ConsumerHandle } from '@arasul/service-kit/amqp';
import type { RoutingService } from './routing.service';

export const EVENTS_QUEUE = 'telegram-notifier.events';

/** Everything the notifier may turn into a message; unknown types count when they carry a severity. */
export const EVENT_PATTERNS = [
  'metrics.alert.*',
  'service.status.changed',
  'selfhealing.#',
  'auth.account.locked',
  'update.state.changed',
  'document.status.changed',
  'system.boot',
  'workflow.#',
  'llm.job.finished',
  'n8n.#',
  'custom.#',
];

/**
 * One subscriber queue for every event: the envelope is validated by the bus kit, the payload by the
 * event catalog (per type). The outbox rows and the idempotency marker commit in one transaction, so a
 * redelivered event makes no second message.
 */
export async function startEventConsumer(
  bus: AmqpClient,
  db: Kysely<Database>,
  routing: RoutingService,
  prefetch: number,
  onRouted: () => void,
): Promise<ConsumerHandle> {
  await bus.subscribe(EVENTS_QUEUE, EVENT_PATTERNS);
  return bus.consume(
    EVENTS_QUEUE,
    z.unknown(),
    async ({ envelope, trx }) => {
      const routed = await routing.route(envelope, trx);
      if (routed.rows > 0) setImmediate(onRouted);
    },
    { prefetch, idempotency: { db, consumer: EVENTS_QUEUE } },
  );
}
