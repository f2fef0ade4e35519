import { checkWebhookSignature, signWebhook } from '../src/webhooks/webhook-signature';

const secret = 'a-webhook-secret-of-some-length';
const body = Buffer.from('{"workflowName":"x","status":"success"}');
const now = 1_760_000_000;

const check = (timestamp: string | undefined, signature: string | undefined, rawBody = body) =>
  checkWebhookSignature({ secret, rawBody, timestamp, signature, nowSeconds: now, maxSkewSeconds: 300 });

describe('n8n webhook signature', () => {
  it('accepts HMAC-SHA256 over "timestamp.body"', () => {
    expect(check(String(now), signWebhook(secret, now, body))).toBe('ok');
    expect(
      check(String(now), signWebhook(secret, now, body).toUpperCase().replace('SHA256=', 'sha256=')),
    ).toBe('ok');
  });

  it('rejects a missing, malformed or wrong signature as invalid', () => {
    expect(check(undefined, signWebhook(secret, now, body))).toBe('invalid');
    expect(check(String(now), undefined)).toBe('invalid');
    expect(check(String(now), 'sha256=abc')).toBe('invalid');
    expect(check('12ab', signWebhook(secret, '12ab', body))).toBe('invalid');
    expect(check(String(now), signWebhook('another-secret', now, body))).toBe('invalid');
    expect(check(String(now), signWebhook(secret, now, body), Buffer.from('{"tampered":true}'))).toBe(
      'invalid',
    );
    // The timestamp is signed: moving it breaks the signature.
    expect(check(String(now + 1), signWebhook(secret, now, body))).toBe('invalid');
  });

  it('calls a correctly signed but old or future delivery stale', () => {
    expect(check(String(now - 301), signWebhook(secret, now - 301, body))).toBe('stale');
    expect(check(String(now + 301), signWebhook(secret, now + 301, body))).toBe('stale');
    expect(check(String(now - 299), signWebhook(secret, now - 299, body))).toBe('ok');
  });
});
