import type { Redis } from 'ioredis';
import { z } from 'zod';
import { errorMeta, type HealthRegistry, type Logger } from '@arasul/service-kit';
import type { AuthClient } from './auth.client';
import type { RevocationStore } from './revocation-store';

const revocationMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('session'),
    jti: z.string().min(1),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
  z.object({ type: z.literal('api_key'), apiKeyId: z.number().int().positive() }),
]);

/** The channel auth publishes on. Pub/sub channels are not keys, so ioredis never prefixes them: we do. */
export function revocationChannel(redisKeyPrefix: string): string {
  return `${redisKeyPrefix}auth:revocations`;
}

/**
 * Keeps the revocation store current: Redis pub/sub delivers a revocation within milliseconds, and a full
 * reload from auth every few seconds covers whatever pub/sub missed while Redis or the gateway was away.
 */
export class RevocationFeed {
  private timer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private stopped = false;

  constructor(
    private readonly store: RevocationStore,
    private readonly client: AuthClient,
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly intervalMs: number,
    logger: Logger,
    health: HealthRegistry,
  ) {
    this.log = logger.child({ module: 'revocations' });
    this.loop = health.loop('revocation-sync');
  }

  async start(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.channel) this.apply(message);
    });
    // Resubscription after a reconnect is ioredis' job (autoResubscribe); a failed first attempt is not fatal.
    this.subscriber.subscribe(this.channel).catch((error: unknown) => {
      this.log.warn('cannot subscribe to revocations yet', { channel: this.channel, ...errorMeta(error) });
    });
    await this.syncOnce();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** One reload from auth; failures are reported in /health/ready and retried on the next tick. */
  async syncOnce(): Promise<void> {
    try {
      const list = await this.client.listRevocations();
      for (const session of list.sessions)
        this.store.revokeSession(session.jti, Date.parse(session.expiresAt));
      for (const apiKeyId of list.apiKeyIds) this.store.revokeApiKey(apiKeyId);
      this.store.sweep();
      this.loop.success();
    } catch (error) {
      this.loop.failure(error);
      this.log.debug('revocation sync failed', errorMeta(error));
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.syncOnce().finally(() => this.schedule());
    }, this.intervalMs);
    this.timer.unref();
  }

  private apply(raw: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    const result = revocationMessage.safeParse(parsed);
    if (!result.success) {
      this.log.warn('ignoring malformed revocation message', { length: raw.length });
      return;
    }
    const message = result.data;
    if (message.type === 'session') this.store.revokeSession(message.jti, Date.parse(message.expiresAt));
    else this.store.revokeApiKey(message.apiKeyId);
  }
}
