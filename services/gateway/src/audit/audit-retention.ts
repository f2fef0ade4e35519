import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, PeriodicTask } from '@arasul/service-kit';
import { deleteExpiredAuditRows } from './audit.repository';

/** One pass deletes in bounded batches; this is the bound on the whole pass. */
const PASS_TIMEOUT_MS = 10 * 60 * 1000;

/** The gateway owns api_audit_logs and api_key_usage, so it enforces their 90-day retention, hourly. */
export class AuditRetention extends PeriodicTask<{ auditRows: number; usageRows: number }> {
  constructor(
    db: Kysely<Database>,
    retentionDays: number,
    logger: Logger,
    health: HealthRegistry,
    intervalMs = 60 * 60 * 1000,
  ) {
    super({
      name: 'audit-retention',
      intervalMs,
      firstRunDelayMs: Math.min(10_000, intervalMs),
      timeoutMs: PASS_TIMEOUT_MS,
      run: () => deleteExpiredAuditRows(db, retentionDays),
      describe: (removed) => (removed.auditRows > 0 || removed.usageRows > 0 ? removed : undefined),
      health,
      logger,
    });
  }
}
