import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { HealthRegistry } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { SampleSink } from '../sampling/sampling.loop';
import type { Sample } from '../sampling/sample';
import { type SampleRows, samplesRepository } from './samples.repository';

export interface SampleWriterOptions {
  flushIntervalMs: number;
  /** Samples held while Postgres is away; beyond this the oldest are dropped (and counted). */
  maxBuffered: number;
  /** Samples per INSERT batch. */
  batchSize: number;
}

/** numeric(5,2) holds ±999.99; a value outside would fail the whole batch. */
const clamp = (value: number): number => Math.min(999.99, Math.max(-999.99, value));

export function toRows(samples: readonly Sample[]): SampleRows {
  const rows: SampleRows = { cpu: [], ram: [], swap: [], gpu: [], temperature: [], disk: [] };
  for (const s of samples) {
    for (const metric of ['cpu', 'ram', 'swap', 'gpu', 'temperature'] as const) {
      const value = s[metric];
      // An unavailable metric leaves a gap, never a 0.
      if (value !== null) rows[metric].push({ timestamp: s.timestamp, value: clamp(value) });
    }
    if (s.disk) rows.disk.push({ timestamp: s.timestamp, ...s.disk, percent: clamp(s.disk.percent) });
  }
  return rows;
}

/**
 * Writes samples to the seed tables in batches: one transaction per flush instead of six inserts per
 * sample. The buffer is bounded; a failed flush keeps its samples for the next try.
 */
export class SampleWriter implements SampleSink {
  readonly name = 'storage';
  private buffer: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  dropped = 0;
  written = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly options: SampleWriterOptions,
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'storage' });
    this.loop = health.loop('storage-flush');
  }

  get buffered(): number {
    return this.buffer.length;
  }

  accept(sample: Sample): void {
    this.buffer.push(sample);
    this.trim();
  }

  private trim(): void {
    const excess = this.buffer.length - this.options.maxBuffered;
    if (excess > 0) {
      this.buffer.splice(0, excess);
      this.dropped += excess;
      if (this.dropped % 100 === excess) {
        this.log.warn('sample buffer full, dropping the oldest samples', { dropped: this.dropped });
      }
    }
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.flushIntervalMs);
  }

  /** Stops the timer and writes what is buffered (one last bounded attempt). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes everything buffered now, batch by batch; concurrent calls share one run. */
  flush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    // Bounded: at most the samples buffered when the flush began.
    let rounds = Math.ceil(this.buffer.length / this.options.batchSize);
    while (rounds > 0 && this.buffer.length > 0) {
      rounds -= 1;
      const batch = this.buffer.splice(0, this.options.batchSize);
      try {
        await samplesRepository.insertBatch(this.db, toRows(batch));
        this.written += batch.length;
        this.loop.success();
      } catch (error) {
        // Put them back in front; `accept` trims the oldest if Postgres stays away too long.
        this.buffer.unshift(...batch);
        this.trim();
        this.loop.failure(error);
        this.log.warn('writing samples failed, keeping them for the next flush', {
          buffered: this.buffer.length,
          ...errorMeta(error),
        });
        return;
      }
    }
  }
}
