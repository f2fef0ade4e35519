import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { Healer } from '../healing/healer';
import type { HealingRecorder } from '../healing/healing.recorder';

export interface MemoryGuardOptions {
  /** Services never restarted to free memory (the databases, the broker, the gateway, ...). */
  coreServices: readonly string[];
  /** RAM still critical this long after batch work was paused → restart the heaviest non-core service. */
  shedAfterMs: number;
  /** The pause asked from llm-queue lasts this long and is renewed while the alert holds. */
  pauseSeconds: number;
}

/** What the guard needs from llm-queue (its internal control API). */
export interface BatchControlPort {
  setBatch(
    request: { paused: true; reason: string; forSeconds: number } | { paused: false },
  ): Promise<{ requeued: string[] }>;
}

/**
 * RAM overload (a critical `ram` alert): first pause batch LLM work (interactive work goes on), then, if
 * the alert still holds after `shedAfterMs`, restart the heaviest non-core service. Batch work resumes by
 * itself when the alert resolves (and llm-queue ends the pause on its own if the agent dies).
 */
export class MemoryGuard {
  private active = false;
  private shedTimer: NodeJS.Timeout | undefined;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly healer: Healer,
    private readonly recorder: HealingRecorder,
    private readonly llm: BatchControlPort,
    private readonly options: MemoryGuardOptions,
    private readonly logger: Logger,
  ) {}

  async onCritical(percent: number): Promise<void> {
    if (this.active) return;
    this.active = true;
    await this.pauseBatch(percent, true);
    // While the alert holds, the pause is renewed before it would end by itself.
    this.renewTimer = setInterval(
      () => void this.pauseBatch(percent, false),
      Math.max(5000, (this.options.pauseSeconds * 1000) / 2),
    );
    this.renewTimer.unref();
    this.shedTimer = setTimeout(() => void this.restartHeaviest(percent), this.options.shedAfterMs);
  }

  async onResolved(): Promise<void> {
    if (!this.active) return;
    this.stop();
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    try {
      await this.llm.setBatch({ paused: false });
    } catch (error) {
      outcome = 'failed';
      this.logger.warn('could not resume batch LLM work', errorMeta(error));
    }
    await this.recorder.action({
      service: 'memory',
      action: 'shed_load',
      trigger: 'memory',
      reason: 'RAM is back to normal: batch LLM work resumed',
      attempt: 1,
      outcome,
      actor: 'agent',
      severity: 'INFO',
      metadata: { step: 'resume_batch' },
    });
  }

  stop(): void {
    this.active = false;
    clearTimeout(this.shedTimer);
    clearInterval(this.renewTimer);
  }

  private async pauseBatch(percent: number, record: boolean): Promise<void> {
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let requeued: string[] = [];
    try {
      ({ requeued } = await this.llm.setBatch({
        paused: true,
        reason: `RAM at ${percent.toFixed(0)} %`,
        forSeconds: this.options.pauseSeconds,
      }));
    } catch (error) {
      outcome = 'failed';
      this.logger.warn('could not pause batch LLM work', errorMeta(error));
    }
    if (!record) return;
    await this.recorder.action({
      service: 'memory',
      action: 'shed_load',
      trigger: 'memory',
      reason: `RAM at ${percent.toFixed(0)} %: batch LLM work paused (${requeued.length} running batch job(s) back in the queue)`,
      attempt: 1,
      outcome,
      actor: 'agent',
      metadata: { step: 'pause_batch', requeued },
    });
  }

  /** The running, watched, non-core service with the largest resident memory, restarted once. */
  private async restartHeaviest(percent: number): Promise<void> {
    if (!this.active) return;
    const candidates = this.healer.services().filter((t) => {
      const name = t.svc.name;
      const state = this.healer.stateOf(name);
      return (
        t.svc.state === 'running' &&
        !this.options.coreServices.includes(name) &&
        !this.healer.isLeftAlone(name) &&
        !state?.quarantined_at &&
        state?.stopped_by_operator !== true
      );
    });
    let heaviest: { name: string; bytes: number } | null = null;
    for (const t of candidates) {
      const bytes = await this.healer.runtime.memoryBytes(t.svc.name).catch(() => null);
      if (bytes !== null && (heaviest === null || bytes > heaviest.bytes))
        heaviest = { name: t.svc.name, bytes };
    }
    if (heaviest === null) {
      await this.recorder.note(
        'skipped',
        'WARNING',
        'memory',
        `RAM still at ${percent.toFixed(0)} %, but no non-core service can be restarted to free memory`,
        'memory',
      );
      return;
    }
    const { name, bytes } = heaviest;
    await this.healer.serialize(name, async () => {
      let outcome: 'succeeded' | 'failed' = 'succeeded';
      try {
        await this.healer.runtime.restart(name);
      } catch (error) {
        outcome = 'failed';
        this.logger.warn('could not restart the heaviest service', { service: name, ...errorMeta(error) });
      }
      await this.recorder.action({
        service: name,
        action: 'restart_service',
        trigger: 'memory',
        reason: `RAM still at ${percent.toFixed(0)} % with batch work paused: restarting ${name}, the heaviest non-core service (${Math.round(bytes / 1_048_576)} MiB)`,
        attempt: 1,
        outcome,
        actor: 'agent',
        metadata: { step: 'restart_heaviest', rssBytes: bytes },
      });
    });
  }
}
