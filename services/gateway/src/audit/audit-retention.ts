import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { errorMeta, type HealthRegistry, type Logger } from '@arasul/service-kit';
import { deleteExpiredAuditRows } from './audit.repository';

/** The gateway owns api_audit_logs and api_key_usage, so it enforces their 90-day retention, hourly. */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private firstRun: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly retentionDays: number,
    logger: Logger,
    health: HealthRegistry,
    private readonly intervalMs = 60 * 60 * 1000,
  ) {
    this.log = logger.child({ module: 'audit-retention' });
    this.loop = health.loop('audit-retention');
  }

  start(): void {
    this.firstRun = setTimeout(() => void this.runOnce(), 10_000);
    this.firstRun.unref();
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearTimeout(this.firstRun);
    clearInterval(this.timer);
  }

  async runOnce(): Promise<void> {
    try {
      const removed = await deleteExpiredAuditRows(this.db, this.retentionDays);
      this.loop.success();
      if (removed.auditRows > 0 || removed.usageRows > 0)
        this.log.info('expired audit rows removed', removed);
    } catch (error) {
      this.loop.failure(error);
      this.log.warn('audit retention failed', errorMeta(error));
    }
  }
}
