import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, PeriodicTask } from '@arasul/service-kit';
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
const PASS_TIMEOUT_MS = 10 * 60 * 1000;

/** One pass over every table (bounded batches, stops at the signal); the rows deleted per table. */
async function purge(
  db: Kysely<Database>,
  policy: RetentionPolicy,
  signal: AbortSignal,
): Promise<Record<string, number>> {
  const tasks = {
    login_attempts: repo.loginAttemptsOlderThan(policy.loginAttemptsDays),
    login_lockouts: repo.lockoutsOlderThan(policy.loginAttemptsDays),
    token_blacklist: repo.expiredBlacklist(),
    active_sessions: repo.endedSessions(ENDED_SESSION_GRACE_HOURS),
    session_access_tokens: repo.expiredAccessTokens(),
  };
  const report: Record<string, number> = {};
  for (const [table, task] of Object.entries(tasks)) {
    let total = 0;
    for (let i = 0; i < MAX_BATCHES && !signal.aborted; i += 1) {
      const n = await task(db, BATCH);
      total += n;
      if (n < BATCH) break;
    }
    report[table] = total;
  }
  return report;
}

/**
 * The hourly clean-up of what the auth service owns: login attempts and lockouts after 30 days, expired
 * blacklist entries, ended sessions. Each run is bounded and reported as the `retention` loop in /health.
 */
export class RetentionJob extends PeriodicTask<Record<string, number>> {
  constructor(db: Kysely<Database>, policy: RetentionPolicy, health: HealthRegistry, logger: Logger) {
    super({
      name: 'retention',
      intervalMs: policy.intervalSeconds * 1000,
      firstRunDelayMs: Math.min(FIRST_RUN_DELAY_MS, policy.intervalSeconds * 1000),
      timeoutMs: PASS_TIMEOUT_MS,
      run: (signal) => purge(db, policy, signal),
      describe: (deleted) => ({ deleted }),
      health,
      logger,
    });
  }
}
