import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { HealthRegistry } from '@arasul/service-kit/health';
import type { Logger } from '@arasul/service-kit/logger';
import { PeriodicTask } from '@arasul/service-kit/periodic-task';
import { METRIC_NAMES, type MetricName } from '../sampling/sample';
import { sampleStore as samples } from '../storage/samples.port';
import { alertOutbox } from '../alerts/alerts.port';

export interface RetentionPolicy {
  rawDays: number;
  rollupDays: number;
  /** Published alert events (the outbox) are kept this long. */
  eventDays: number;
  intervalSeconds: number;
  /** Rows per DELETE. */
  batchSize: number;
  /** DELETE statements per table and run; a larger backlog is finished by the next runs. */
  maxBatches: number;
}

export interface RetentionReport {
  startedAt: string;
  finishedAt: string;
  rolledUpHours: Record<string, number>;
  deleted: Record<string, number>;
}

const HOUR_MS = 3_600_000;
/** Rolling up goes a day per statement, so one statement never aggregates more than a day of samples. */
const ROLLUP_CHUNK_MS = 24 * HOUR_MS;
const MAX_ROLLUP_CHUNKS = 400;
const FIRST_RUN_DELAY_MS = 15_000;
const PASS_TIMEOUT_MS = 30 * 60 * 1000;

/**
 * The hourly maintenance of what the collector owns: roll complete hours up, then delete raw samples
 * after `rawDays` and rollups after `rollupDays`. Deletes go in small batches, each its own short
 * statement, so the sampler's inserts never wait behind one long delete.
 */
export class RetentionJob {
  private readonly task: PeriodicTask<RetentionReport>;
  /** The running pass's signal: set when stopped (or over its time bound). */
  private signal: AbortSignal | undefined;

  constructor(
    private readonly db: Kysely<Database>,
    readonly policy: RetentionPolicy,
    health: HealthRegistry,
    logger: Logger,
    private readonly now: () => number = Date.now,
  ) {
    this.task = new PeriodicTask({
      name: 'retention',
      intervalMs: policy.intervalSeconds * 1000,
      firstRunDelayMs: Math.min(FIRST_RUN_DELAY_MS, policy.intervalSeconds * 1000),
      timeoutMs: PASS_TIMEOUT_MS,
      run: (signal) => {
        this.signal = signal;
        return this.run();
      },
      describe: (report) => ({ rolledUpHours: report.rolledUpHours, deleted: report.deleted }),
      health,
      logger,
    });
  }

  /** The report of the last finished run. */
  get lastReport(): RetentionReport | null {
    return this.task.lastResult ?? null;
  }

  start(): void {
    this.task.start();
  }

  /** Stops scheduling; a running pass stops after its current batch and is awaited. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** One run now (or the one in progress). */
  runOnce(): Promise<RetentionReport> {
    return this.task.runOnce();
  }

  private get stopped(): boolean {
    return this.signal?.aborted === true;
  }

  private async run(): Promise<RetentionReport> {
    const startedAt = new Date(this.now()).toISOString();
    const rolledUpHours: Record<string, number> = {};
    for (const metric of METRIC_NAMES) rolledUpHours[metric] = await this.rollUp(metric);

    const deleted: Record<string, number> = {};
    const rawCutoff = new Date(this.now() - this.policy.rawDays * 24 * HOUR_MS);
    for (const metric of METRIC_NAMES) {
      deleted[metric] = await this.inBatches((batch) =>
        samples.deleteRawBatch(this.db, metric, rawCutoff, batch),
      );
    }
    const rollupCutoff = new Date(this.now() - this.policy.rollupDays * 24 * HOUR_MS);
    deleted.rollups = await this.inBatches((batch) =>
      samples.deleteRollupBatch(this.db, rollupCutoff, batch),
    );
    const eventCutoff = new Date(this.now() - this.policy.eventDays * 24 * HOUR_MS);
    deleted.alertEvents = await this.inBatches((batch) =>
      alertOutbox.deletePublishedEventsBatch(this.db, eventCutoff, batch),
    );
    return { startedAt, finishedAt: new Date(this.now()).toISOString(), rolledUpHours, deleted };
  }

  /** Rolls up every complete hour not rolled up yet (and the last one again, for late samples). */
  private async rollUp(metric: MetricName): Promise<number> {
    const resume = await samples.rollupResumePoint(this.db, metric);
    if (!resume) return 0;
    const until = Math.floor(this.now() / HOUR_MS) * HOUR_MS;
    let from = Math.floor(resume.getTime() / HOUR_MS) * HOUR_MS;
    let hours = 0;
    for (let chunk = 0; from < until && chunk < MAX_ROLLUP_CHUNKS && !this.stopped; chunk += 1) {
      const to = Math.min(until, from + ROLLUP_CHUNK_MS);
      hours += await samples.rollUp(this.db, metric, new Date(from), new Date(to));
      from = to;
    }
    return hours;
  }

  private async inBatches(deleteBatch: (batch: number) => Promise<number>): Promise<number> {
    let total = 0;
    for (let i = 0; i < this.policy.maxBatches && !this.stopped; i += 1) {
      const n = await deleteBatch(this.policy.batchSize);
      total += n;
      if (n < this.policy.batchSize) break;
    }
    return total;
  }
}
