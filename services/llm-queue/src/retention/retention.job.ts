import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, errorMeta } from '@arasul/service-kit';
import { chatsRepository } from '../chats/chats.repository';

/** Purges soft-deleted conversations after the retention period (seed: 30 days), once an interval. */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private readonly log: Logger;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: { intervalSeconds: number; chatRetentionDays: number },
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.loop = health.loop('retention');
    this.log = logger.child({ module: 'retention' });
  }

  start(): void {
    this.timer = setInterval(() => void this.runOnce(), this.options.intervalSeconds * 1000);
    this.timer.unref();
    void this.runOnce();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  runOnce(): Promise<void> {
    this.running ??= chatsRepository
      .purgeDeleted(this.db, this.options.chatRetentionDays)
      .then(
        (removed) => {
          this.loop.success();
          if (removed > 0) this.log.info('purged deleted conversations', { removed });
        },
        (error: unknown) => {
          this.loop.failure(error);
          this.log.warn('retention failed', errorMeta(error));
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }
}
