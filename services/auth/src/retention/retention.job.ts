import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, errorMeta } from '@arasul/service-kit';
import { retentionRepository as repo } from './retention.repository';

export interface RetentionPolicy {
  intervalSeconds: number;
  loginAttemptsDays: number;
}

const BATCH = 5_000;
/** Per table and run; a larger backlog is finished by the next runs. */
const MAX_BATCHES = 20;
const ENDED_SESSION_GRACE_HOURS = 24;
const FIRST_RUN_DELAY_MS = 10_000;

/**
 * The hourly clean-up of what the auth service owns: login attempts and lockouts after 30 days, expired
 * blacklist entries, ended sessions. Each run is bounded and reported as the `retention` loop in /health.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: RetentionPolicy,
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'retention' });
    this.loop = health.loop('retention');
  }

  start(): void {
    this.schedule(Math.min(FIRST_RUN_DELAY_MS, this.policy.intervalSeconds * 1000));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over every table; returns the rows deleted per table. */
  async runOnce(): Promise<Record<string, number>> {
    const tasks = {
      login_attempts: repo.loginAttemptsOlderThan(this.policy.loginAttemptsDays),
      login_lockouts: repo.lockoutsOlderThan(this.policy.loginAttemptsDays),
      token_blacklist: repo.expiredBlacklist(),
      active_sessions: repo.endedSessions(ENDED_SESSION_GRACE_HOURS),
      session_access_tokens: repo.expiredAccessTokens(),
    };
    const report: Record<string, number> = {};
    for (const [table, task] of Object.entries(tasks)) {
      let total = 0;
      for (let i = 0; i < MAX_BATCHES && !this.stopped; i += 1) {
        const n = await task(this.db, BATCH);
        total += n;
        if (n < BATCH) break;
      }
      report[table] = total;
    }
    return report;
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.runOnce()
        .then((report) => {
          this.loop.success();
          this.log.info('retention run finished', { deleted: report });
        })
        .catch((error: unknown) => {
          this.loop.failure(error);
          this.log.error('retention run failed', errorMeta(error));
        })
        .finally(() => this.schedule(this.policy.intervalSeconds * 1000));
    }, delayMs);
    this.timer.unref();
  }
}
