import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureCheck = 'ok' | 'invalid' | 'stale';

const SIGNATURE_PATTERN = /^sha256=([0-9a-f]{64})$/i;
const TIMESTAMP_PATTERN = /^\d{1,12}$/;

/** `sha256=` + hex HMAC-SHA256 of `"<timestamp>.<raw body>"`: what the sender (n8n) computes. */
export function signWebhook(secret: string, timestamp: number | string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `sha256=${mac}`;
}

/**
 * Checks a delivery's signature, then its age. A wrong signature is `invalid` whatever the timestamp; a
 * right one older or newer than `maxSkewSeconds` is `stale` (so a captured delivery cannot be replayed later).
 */
export function checkWebhookSignature(input: {
  secret: string;
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowSeconds: number;
  maxSkewSeconds: number;
}): SignatureCheck {
  const { timestamp, signature } = input;
  if (!timestamp || !TIMESTAMP_PATTERN.test(timestamp) || !signature) return 'invalid';
  const given = SIGNATURE_PATTERN.exec(signature)?.[1];
  if (!given) return 'invalid';
  const expected = signWebhook(input.secret, timestamp, input.rawBody).slice('sha256='.length);
  if (!timingSafeEqual(Buffer.from(given.toLowerCase(), 'hex'), Buffer.from(expected, 'hex')))
    return 'invalid';
  return Math.abs(input.nowSeconds - Number(timestamp)) > input.maxSkewSeconds ? 'stale' : 'ok';
}
