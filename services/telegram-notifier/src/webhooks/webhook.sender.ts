import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-arasul-signature';
export const TIMESTAMP_HEADER = 'x-arasul-timestamp';

/** `sha256=<hex>` over `<timestamp>.<body>`, so a receiver can refuse replays of old bodies. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

export interface WebhookResult {
  delivered: boolean;
  status: number | null;
  error: string | null;
  /** 4xx other than 408/429: retrying will not help. */
  permanent: boolean;
}

export async function postWebhook(
  url: string,
  secret: string,
  payload: unknown,
  timeoutMs: number,
): Promise<WebhookResult> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'arasul-telegram-notifier',
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signWebhook(secret, timestamp, body),
      },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer().catch(() => undefined);
    if (response.ok) return { delivered: true, status: response.status, error: null, permanent: false };
    const permanent =
      response.status >= 400 && response.status < 500 && ![408, 429].includes(response.status);
    return { delivered: false, status: response.status, error: `HTTP ${String(response.status)}`, permanent };
  } catch (error) {
    const message = error instanceof Error ? error.message : 'request failed';
    return { delivered: false, status: null, error: message.slice(0, 500), permanent: false };
  }
}
