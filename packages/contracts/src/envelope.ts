import { z } from 'zod';

/**
 * `<domain>.<fact>`: lowercase dot-separated words, at least two. The same shape names work queues
 * (`documents.index`), so one pattern guards every routing key and queue name on the bus.
 */
export const ROUTING_KEY_PATTERN = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;

/** Bounded so a broken publisher cannot make consumers parse a megabyte of headers. */
const routingKey = z.string().max(255).regex(ROUTING_KEY_PATTERN, 'must look like <domain>.<fact>');

/** The one message shape on the bus. `T` is the payload of the event or job named by `type`. */
export interface Envelope<T> {
  /** Unique per fact; consumers deduplicate by it, so a re-publish of the same fact keeps its id. */
  id: string;
  /** The routing key (events) or work-queue name (jobs), e.g. `metrics.alert.fired`. */
  type: string;
  /** When the fact happened (ISO-8601), not when it was delivered. */
  occurredAt: string;
  /** The service that published it, e.g. `metrics-collector`. */
  source: string;
  /** The request that caused it, so one id follows a user's action through every service and log. */
  requestId: string | null;
  payload: T;
}

/**
 * The zod schema of an envelope around `payload`. Unknown top-level keys are stripped rather than
 * refused, so a newer publisher can add a field without breaking older consumers.
 */
export function envelopeSchema<P extends z.ZodType>(payload: P) {
  return z.object({
    id: z.uuid(),
    type: routingKey,
    occurredAt: z.iso.datetime({ offset: true }),
    source: z.string().min(1).max(100),
    requestId: z.string().min(1).max(200).nullable(),
    payload,
  });
}

/** Wraps a payload for publishing. The payload is taken as given; validation is the publisher's job. */
export function createEnvelope<T>(
  type: string,
  source: string,
  payload: T,
  requestId?: string | null,
): Envelope<T> {
  return {
    // Web Crypto, not node:crypto, so the dashboard can import this package too.
    id: globalThis.crypto.randomUUID(),
    type,
    occurredAt: new Date().toISOString(),
    source,
    requestId: requestId ?? null,
    payload,
  };
}
