import { z } from 'zod';
import { metricsAlertFiredSchema, metricsAlertResolvedSchema } from '@arasul/contracts/events/metrics';
import type { AmqpClient } from '@arasul/service-kit/amqp';
import type { Guards } from './guards.service';

export const ALERTS_QUEUE = 'self-healing-agent.metrics-alerts';

/** Feeds the metrics collector's alert events to the guards (parse → the same guard function → ack). */
export async function consumeAlerts(bus: AmqpClient, guards: Guards): Promise<() => Promise<void>> {
  await bus.subscribe(ALERTS_QUEUE, ['metrics.alert.fired', 'metrics.alert.resolved']);
  const handle = await bus.consume(ALERTS_QUEUE, z.unknown(), async ({ envelope }) => {
    if (envelope.type === 'metrics.alert.fired') {
      await guards.onAlertFired(metricsAlertFiredSchema.parse(envelope.payload));
    } else if (envelope.type === 'metrics.alert.resolved') {
      await guards.onAlertResolved(metricsAlertResolvedSchema.parse(envelope.payload));
    }
  });
  return () => handle.cancel();
}
