import type { Redis } from 'ioredis';
import { type Logger, errorMeta } from '@arasul/service-kit';

/** What the gateway hears on `<REDIS_KEY_PREFIX>auth:revocations`. */
export type RevocationMessage =
  | { type: 'session'; jti: string; expiresAt: string }
  | { type: 'api_key'; apiKeyId: number };

export const REVOCATION_CHANNEL = 'auth:revocations';
/** A revocation must not hold up the response: Postgres already has it, the gateway's poll catches up. */
const PUBLISH_TIMEOUT_MS = 500;

/**
 * Fans revocations out to every gateway instance. Postgres (`token_blacklist`, `api_keys.revoked_at`) is
 * the source of truth; this is the fast path, so a failure is logged and never fails the request.
 */
export class RevocationPublisher {
  readonly channel: string;
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    logger: Logger,
  ) {
    // ioredis applies keyPrefix to keys only, never to PUBLISH channels, so the prefix is added here.
    this.channel = `${keyPrefix}${REVOCATION_CHANNEL}`;
    this.log = logger.child({ module: 'revocations' });
  }

  async publish(messages: readonly RevocationMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (this.redis.status !== 'ready') {
      this.log.warn('redis unavailable; gateways catch up by polling', { count: messages.length });
      return;
    }
    const pipeline = this.redis.pipeline();
    for (const message of messages) pipeline.publish(this.channel, JSON.stringify(message));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${PUBLISH_TIMEOUT_MS} ms`)),
        PUBLISH_TIMEOUT_MS,
      );
    });
    await Promise.race([pipeline.exec(), timeout])
      .catch((error: unknown) => {
        this.log.warn('revocation fan-out failed; gateways catch up by polling', {
          count: messages.length,
          ...errorMeta(error),
        });
      })
      .finally(() => clearTimeout(timer));
  }
}

export function sessionRevocations(tokens: readonly { jti: string; expiresAt: Date }[]): RevocationMessage[] {
  return tokens.map((t) => ({ type: 'session', jti: t.jti, expiresAt: t.expiresAt.toISOString() }));
}

export function apiKeyRevocations(ids: readonly number[]): RevocationMessage[] {
  return ids.map((apiKeyId) => ({ type: 'api_key', apiKeyId }));
}
