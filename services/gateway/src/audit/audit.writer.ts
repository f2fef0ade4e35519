import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { errorMeta, type HealthRegistry, type Logger } from '@arasul/service-kit';
import { insertAuditRows, insertKeyUsageRows, type AuditRow, type KeyUsageRow } from './audit.repository';
import { KeyUsageCounter } from './key-usage.counter';
import { fallbackAuditRow, fallbackKeyUsageRow } from './storable';

export interface AuditWriterOptions {
  flushIntervalMs: number;
  batchSize: number;
  bufferMax: number;
}

export interface AuditStats {
  buffered: number;
  dropped: number;
  written: number;
  lastFlushAt: string | null;
}

/** SQLSTATE classes 22 (data exception) and 23 (integrity violation): retrying the same rows cannot help. */
function isPoisonBatch(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * Collects audit rows in memory and writes them in the background: a multi-row INSERT every second or as
 * soon as a batch is full, one flush at a time. A request never waits for the database. The buffer is
 * capped; when the database is away long enough to fill it, the oldest rows are dropped and counted
 * (`/health/ready` → checks.audit).
 */
export class AuditWriter {
  private audit: AuditRow[] = [];
  /** Key-usage rows ready to write (drained from `counter` at each flush). */
  private usage: KeyUsageRow[] = [];
  private readonly counter: KeyUsageCounter;
  private dropped = 0;
  private written = 0;
  private lastFlushAt: string | null = null;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** After a failed flush nothing is tried before this time (doubling back-off, capped): no hot retry loop. */
  private retryAt = 0;
  private backoffMs = 0;
  private failingSince: number | null = null;
  private lastFailureLogAt = 0;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;

  constructor(
    private readonly db: Kysely<Database>,
    logger: Logger,
    health: HealthRegistry,
    private readonly options: AuditWriterOptions,
  ) {
    this.counter = new KeyUsageCounter(options.bufferMax);
    this.log = logger.child({ module: 'audit' });
    this.loop = health.loop('audit-flush');
    health.register({ name: 'audit', critical: false, check: () => Promise.resolve({ ...this.stats() }) });
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** One request's audit row, and its API key's usage when it came with a key. */
  record(row: AuditRow, apiKeyId?: number): void {
    this.push(this.audit, row);
    if (
      apiKeyId !== undefined &&
      !this.counter.count(
        apiKeyId,
        row.target_endpoint.slice(0, 255),
        row.request_method,
        row.response_status,
        row.ip_address,
        row.timestamp,
        row.duration_ms,
      )
    )
      this.dropped += 1;
    if (this.audit.length >= this.options.batchSize || this.counter.size >= this.options.batchSize)
      void this.flush();
  }

  /**
   * Writes one batch of each table unless a flush is already running (then waits for that one). While the
   * database is failing, attempts wait for the back-off (`force` skips it, for shutdown). A full batch is
   * followed by the next one at once only after a success.
   */
  flush(force = false): Promise<void> {
    if (!force && this.flushing === undefined && Date.now() < this.retryAt) return Promise.resolve();
    this.flushing ??= this.flushBatch().finally(() => {
      this.flushing = undefined;
      const full =
        this.audit.length >= this.options.batchSize ||
        this.usage.length + this.counter.size >= this.options.batchSize;
      if (full && this.failingSince === null) void this.flush();
    });
    return this.flushing;
  }

  /** Stops the timer and writes what is buffered (bounded: at most as many batches as the buffer holds). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const maxBatches = Math.ceil(this.options.bufferMax / this.options.batchSize) + 1;
    for (let i = 0; i < maxBatches && this.pending() > 0; i += 1) {
      const before = this.pending();
      await this.flush(true);
      if (this.pending() >= before) break; // the database is away; give up
    }
  }

  stats(): AuditStats {
    return {
      buffered: this.pending(),
      dropped: this.dropped,
      written: this.written,
      lastFlushAt: this.lastFlushAt,
    };
  }

  private pending(): number {
    return this.audit.length + this.usage.length + this.counter.size;
  }

  private push<T>(buffer: T[], row: T): void {
    if (buffer.length >= this.options.bufferMax) {
      buffer.shift();
      this.dropped += 1;
    }
    buffer.push(row);
  }

  private async flushBatch(): Promise<void> {
    for (const row of this.counter.drain()) this.push(this.usage, row);
    if (this.audit.length === 0 && this.usage.length === 0) return;
    const audit = this.audit.splice(0, this.options.batchSize);
    const usage = this.usage.splice(0, this.options.batchSize);
    try {
      await this.write(insertAuditRows, audit, fallbackAuditRow);
      audit.length = 0; // written: a failure below must not requeue these
      await this.write(insertKeyUsageRows, usage, fallbackKeyUsageRow);
      this.lastFlushAt = new Date().toISOString();
      this.loop.success();
      if (this.failingSince !== null) {
        this.log.info('audit writing resumed', { failedForMs: Date.now() - this.failingSince });
      }
      this.failingSince = null;
      this.backoffMs = 0;
      this.retryAt = 0;
    } catch (error) {
      this.loop.failure(error);
      this.requeue(this.audit, audit);
      this.requeue(this.usage, usage);
      const now = Date.now();
      this.failingSince ??= now;
      this.backoffMs = Math.min(Math.max(this.options.flushIntervalMs, this.backoffMs * 2), 30_000);
      this.retryAt = now + this.backoffMs;
      // One line when an outage starts, then one a minute; /health/ready has the live state.
      if (now - this.lastFailureLogAt >= 60_000) {
        this.lastFailureLogAt = now;
        this.log.warn('audit flush failed, rows stay buffered', {
          buffered: this.stats().buffered,
          ...errorMeta(error),
        });
      }
    }
  }

  /**
   * Writes a batch; when the database refuses its content (not its availability), writes the rows one by
   * one, and a row refused on its own is written again with its free-text fields replaced (`fallback`).
   * Only a row refused even then is dropped (and counted); with storable.ts's sanitising that never happens.
   */
  private async write<T>(
    insert: (db: Kysely<Database>, rows: readonly T[]) => Promise<void>,
    rows: T[],
    fallback: (row: T, sqlState: string) => T,
  ): Promise<void> {
    if (rows.length === 0) return;
    try {
      await insert(this.db, rows);
      this.written += rows.length;
      return;
    } catch (error) {
      if (!isPoisonBatch(error)) throw error;
    }
    // Row by row; `rows` shrinks as it goes, so what is left on a connection failure is exactly the unwritten.
    while (rows.length > 0) {
      const row = rows.slice(0, 1);
      const outcome = await insert(this.db, row).then(
        () => 'written' as const,
        async (error: unknown) => {
          if (!isPoisonBatch(error)) throw error;
          const state = String((error as { code?: unknown }).code);
          this.log.warn('audit row rejected by the database, writing it with its texts replaced', { state });
          return insert(
            this.db,
            row.map((r) => fallback(r, state)),
          ).then(
            () => 'written' as const,
            (again: unknown) => {
              if (!isPoisonBatch(again)) throw again;
              this.log.error('audit row rejected by the database, dropped', errorMeta(again));
              return 'dropped' as const;
            },
          );
        },
      );
      rows.shift();
      if (outcome === 'written') this.written += 1;
      else this.dropped += 1;
    }
  }

  /** Puts a failed batch back in front, still within the cap (dropping the oldest if needed). */
  private requeue<T>(buffer: T[], batch: T[]): void {
    if (batch.length === 0) return;
    buffer.unshift(...batch);
    const excess = buffer.length - this.options.bufferMax;
    if (excess > 0) {
      buffer.splice(0, excess);
      this.dropped += excess;
    }
  }
}
