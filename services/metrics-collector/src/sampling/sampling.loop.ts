import type { HealthCheck, HealthRegistry } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { Sample } from './sample';
import type { Sampler } from './sampler';

/** Where a sample goes after it was taken. `accept` must return at once; a sink buffers (bounded) itself. */
export interface SampleSink {
  name: string;
  accept(sample: Sample): void;
}

export interface SamplingStats {
  taken: number;
  /** Ticks that found the previous cycle still running; they are dropped, never queued. */
  skipped: number;
  failed: number;
  lastSampleAt: string | null;
  lastCycleMs: number | null;
}

/**
 * One sample every `intervalMs`. A cycle that is still running when the next tick comes makes that tick
 * a skip: samples are never queued up behind a slow one. The loop itself does no I/O besides the
 * sampler's; every sink takes the sample synchronously and handles it on its own time.
 */
export class SamplingLoop {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly startedAt = Date.now();
  private readonly log: Logger;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  readonly stats: SamplingStats = { taken: 0, skipped: 0, failed: 0, lastSampleAt: null, lastCycleMs: null };

  constructor(
    private readonly sampler: Sampler,
    private readonly sinks: readonly SampleSink[],
    private readonly intervalMs: number,
    health: HealthRegistry,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'sampler' });
    this.loop = health.loop('sampler');
  }

  start(): void {
    this.timer ??= setInterval(() => this.tick(), this.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Runs one cycle now unless one is running (then counts a skip). Resolves when this cycle is done. */
  tick(): Promise<void> {
    if (this.running) {
      this.stats.skipped += 1;
      if (this.stats.skipped % 10 === 1) {
        this.log.warn('sampling cycle skipped: the previous one is still running', {
          skipped: this.stats.skipped,
        });
      }
      return this.running;
    }
    this.running = this.cycle().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Not ready when no sample succeeded for three intervals (plus slack for the first one). */
  healthCheck(): HealthCheck {
    return {
      name: 'sampler',
      check: () => {
        const last = this.stats.lastSampleAt ? Date.parse(this.stats.lastSampleAt) : this.startedAt;
        const allowedMs = this.intervalMs * 3 + 5000;
        if (Date.now() - last > allowedMs) {
          return Promise.reject(new Error(`no sample for ${Math.round((Date.now() - last) / 1000)} s`));
        }
        return Promise.resolve({ ...this.stats, intervalMs: this.intervalMs });
      },
    };
  }

  private async cycle(): Promise<void> {
    const started = performance.now();
    try {
      const sample = await this.sampler.sample();
      this.stats.taken += 1;
      this.stats.lastSampleAt = sample.timestamp.toISOString();
      for (const sink of this.sinks) {
        try {
          sink.accept(sample);
        } catch (error) {
          this.log.error('sample sink failed', { sink: sink.name, ...errorMeta(error) });
        }
      }
      this.loop.success();
    } catch (error) {
      this.stats.failed += 1;
      this.loop.failure(error);
      this.log.error('sampling failed', errorMeta(error));
    } finally {
      this.stats.lastCycleMs = Math.round((performance.now() - started) * 10) / 10;
    }
  }
}
