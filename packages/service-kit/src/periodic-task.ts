import type { HealthRegistry } from './health';
import { type Logger, errorMeta } from './logger';

export interface PeriodicTaskOptions<T> {
  /** The loop's name in `/health/ready` (`loops.<name>`: last run, last success, last error). */
  name: string;
  intervalMs: number;
  /** Delay before the first pass after `start()` (default: 10 s, or the interval if shorter). */
  firstRunDelayMs?: number;
  /**
   * Upper bound of one pass: its signal is aborted then and the pass counts as failed. The pass itself
   * must stop at the signal (between its batches); `stop()` aborts the same signal.
   */
  timeoutMs: number;
  /** One pass. Should check `signal.aborted` between bounded steps. */
  run: (signal: AbortSignal) => Promise<T>;
  /** Log a finished pass (default: nothing). */
  describe?: (result: T) => Record<string, unknown> | undefined;
  health: HealthRegistry;
  logger: Logger;
}

export class PeriodicTaskTimeoutError extends Error {
  constructor(name: string, ms: number) {
    super(`${name} pass exceeded ${ms} ms and was stopped`);
    this.name = 'PeriodicTaskTimeoutError';
  }
}

/**
 * A background job that runs every `intervalMs` (retention, clean-ups): never two passes at once, each
 * pass bounded by `timeoutMs`, every pass reported to the health registry (last run / last error show in
 * `/health/ready`), and a `stop()` that aborts the running pass and waits until it has returned, so a
 * shutdown never closes the database under it. The next pass is scheduled after the previous one ended
 * (no pile-up when a pass is slow).
 */
export class PeriodicTask<T = void> {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<T> | undefined;
  private controller: AbortController | undefined;
  private stopped = true;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private readonly log: Logger;
  private last: T | undefined;

  constructor(private readonly options: PeriodicTaskOptions<T>) {
    this.loop = options.health.loop(options.name);
    this.log = options.logger.child({ module: options.name });
  }

  /** The result of the last successful pass. */
  get lastResult(): T | undefined {
    return this.last;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { firstRunDelayMs, intervalMs } = this.options;
    this.schedule(firstRunDelayMs ?? Math.min(10_000, intervalMs));
  }

  /** No more passes; the running one is aborted and awaited (its failure is reported, not thrown). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.controller?.abort(new Error(`${this.options.name} stopped`));
    await this.running?.catch(() => undefined);
  }

  /** One pass now, or the one in progress; rejects with its error (which is also reported to health). */
  runOnce(): Promise<T> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
      this.controller = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<T> {
    const { name, timeoutMs } = this.options;
    const controller = new AbortController();
    this.controller = controller;
    const deadline = setTimeout(
      () => controller.abort(new PeriodicTaskTimeoutError(name, timeoutMs)),
      timeoutMs,
    );
    deadline.unref();
    try {
      const result = await this.options.run(controller.signal);
      // A pass that returned after its deadline did not finish its work.
      if (controller.signal.reason instanceof PeriodicTaskTimeoutError) throw controller.signal.reason;
      this.last = result;
      this.loop.success();
      const meta = this.options.describe?.(result);
      if (meta) this.log.info(`${name} pass finished`, meta);
      return result;
    } catch (error) {
      this.loop.failure(error);
      this.log.warn(`${name} pass failed`, errorMeta(error));
      throw error;
    } finally {
      clearTimeout(deadline);
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.runOnce()
        .catch(() => undefined)
        .finally(() => this.schedule(this.options.intervalMs));
    }, delayMs);
    this.timer.unref();
  }
}
