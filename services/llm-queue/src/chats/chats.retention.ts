import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, PeriodicTask } from '@arasul/service-kit';
import { chatsRepository } from './chats.repository';

/** One purge is one bounded SQL function call; this bounds the pass around it. */
const PASS_TIMEOUT_MS = 5 * 60 * 1000;

/** Purges soft-deleted conversations after the retention period (seed: 30 days), once an interval. */
export class RetentionJob extends PeriodicTask<number> {
  constructor(
    db: Kysely<Database>,
    options: { intervalSeconds: number; chatRetentionDays: number },
    health: HealthRegistry,
    logger: Logger,
  ) {
    super({
      name: 'retention',
      intervalMs: options.intervalSeconds * 1000,
      // The first pass right after start, as before.
      firstRunDelayMs: 0,
      timeoutMs: PASS_TIMEOUT_MS,
      run: () => chatsRepository.purgeDeleted(db, options.chatRetentionDays),
      describe: (removed) => (removed > 0 ? { removed } : undefined),
      health,
      logger,
    });
  }
}
