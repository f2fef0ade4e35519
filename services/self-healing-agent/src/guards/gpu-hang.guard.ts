import type { LlmProgress } from '@arasul/contracts/http/llm-control';
import type { MetricsSnapshot } from '@arasul/contracts/http/metrics';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { HealingRecorder } from '../healing/healing.recorder';

export interface GpuHangOptions {
  /** GPU load from this percent counts as "full". */
  percent: number;
  /** Full this long without a single new token is a hang. */
  windowMs: number;
  /** How often the snapshot is read. */
  pollMs: number;
}

/** What the guard needs from llm-queue (its internal control API). */
export interface LlmProgressPort {
  progress(): Promise<LlmProgress>;
  stopRunning(reason: string, unloadModels: boolean): Promise<{ stopped: string[]; unloaded: string[] }>;
}

/**
 * GPU hang: the GPU stays at ≥ `percent` for `windowMs` while llm-queue generates nothing (its token
 * counter does not move) → the running jobs are stopped and every model is unloaded through llm-queue.
 * Still hung a window later → a critical incident (the top of the ladder, where a reboot may follow).
 * A GPU that is full because it works (tokens flow) is left alone.
 */
export class GpuHangGuard {
  private since: number | null = null;
  private tokensAtStart: number | null = null;
  private unloadedAt: number | null = null;
  private escalated = false;
  private timer: NodeJS.Timeout | undefined;
  private observing = false;

  constructor(
    private readonly metrics: { latest(): Promise<MetricsSnapshot | null> },
    private readonly llm: LlmProgressPort,
    private readonly recorder: HealingRecorder,
    private readonly options: GpuHangOptions,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One reading of the collector's snapshot (the timer calls this; tests may too). */
  async poll(): Promise<void> {
    if (this.observing) return; // a slow llm-queue never stacks up readings
    this.observing = true;
    try {
      const snapshot = await this.metrics.latest();
      if (snapshot) await this.observe(snapshot.gpu);
    } catch (error) {
      this.logger.warn('gpu hang guard failed', errorMeta(error));
    } finally {
      this.observing = false;
    }
  }

  async observe(gpu: number | null): Promise<void> {
    if (gpu === null || gpu < this.options.percent) {
      this.since = null;
      this.tokensAtStart = null;
      this.unloadedAt = null;
      this.escalated = false;
      return;
    }
    const now = this.now();
    if (this.since === null) {
      this.since = now;
      this.tokensAtStart = await this.generated();
      return;
    }
    if (now - this.since < this.options.windowMs) return;
    const tokens = await this.generated();
    if (tokens !== null && this.tokensAtStart !== null && tokens !== this.tokensAtStart) {
      // Busy, not hung: start a new window from here.
      this.since = now;
      this.tokensAtStart = tokens;
      this.unloadedAt = null;
      return;
    }
    const seconds = Math.round((now - this.since) / 1000);
    if (this.unloadedAt === null) await this.unload(gpu, seconds);
    else if (!this.escalated) {
      this.escalated = true;
      await this.recorder.escalate({
        service: 'gpu',
        reason: `GPU still at ${gpu.toFixed(0)} % without progress ${seconds} s after its models were unloaded`,
        severity: 'critical',
        attempts: 1,
        lastAction: 'unload_models',
        cause: 'guard',
        quarantined: false,
        trigger: 'gpu',
      });
    }
    this.since = now;
    this.tokensAtStart = await this.generated();
  }

  private async unload(gpu: number, seconds: number): Promise<void> {
    const reason = `GPU at ${gpu.toFixed(0)} % for ${seconds} s without a new token: stopping the running jobs and unloading the models`;
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let result: { stopped: string[]; unloaded: string[] } = { stopped: [], unloaded: [] };
    try {
      result = await this.llm.stopRunning(`the GPU hung (${gpu.toFixed(0)} % for ${seconds} s)`, true);
    } catch (error) {
      outcome = 'failed';
      this.logger.warn('could not unload the models', errorMeta(error));
    }
    this.unloadedAt = this.now();
    await this.recorder.action({
      service: 'gpu',
      action: 'unload_models',
      trigger: 'gpu',
      reason,
      attempt: 1,
      outcome,
      actor: 'agent',
      severity: 'CRITICAL',
      metadata: { gpuPercent: gpu, windowSeconds: seconds, ...result },
    });
  }

  /** llm-queue's token counter, or `null` when it cannot be asked (then nothing counts as progress). */
  private async generated(): Promise<number | null> {
    try {
      return (await this.llm.progress()).generatedTokens;
    } catch {
      return null;
    }
  }
}
