import type { MetricsAlertFired } from '@arasul/contracts/events/metrics';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { Healer } from '../healing/healer';
import type { HealingRecorder } from '../healing/healing.recorder';
import { type CleanupTargets, safeCleanup } from './disk-cleanup';
import type { MemoryGuard } from './memory.guard';

/** What the heat guard needs from llm-queue (its internal control API). */
export interface LlmStopPort {
  stopRunning(reason: string, unloadModels: boolean): Promise<{ stopped: string[]; unloaded: string[] }>;
}

export interface GuardOptions {
  cleanup: CleanupTargets;
  /** Disk: safe cleanup from this percent, critical incident from `diskCriticalPercent`. */
  diskCleanupPercent: number;
  diskCriticalPercent: number;
  /** The LLM backend service the temperature guard stops when it stays critical (e.g. `ollama`). */
  llmService: string;
  /** A critical temperature that lasts this long stops the LLM service. */
  thermalStopAfterMs: number;
}

/**
 * Guards driven by the metrics collector's alerts (`metrics.alert.fired` / `resolved`, which already carry
 * its hysteresis: an alert fires after it held for several samples and clears below a margin):
 * disk → safe cleanup (plus dangling images and build cache in Docker mode), then a critical incident;
 * temperature → throttle advice (warning) → stop the LLM's running job and unload its models (critical)
 * → stop the LLM service while it stays critical (started again when the alert resolves); RAM → the
 * memory guard (pause batch LLM work, then restart the heaviest non-core service).
 */
export class Guards {
  private thermalTimer: NodeJS.Timeout | undefined;
  private llmStoppedByGuard = false;
  /** The running LLM job was stopped for this critical episode (once until the alert resolves). */
  private jobStoppedForHeat = false;

  constructor(
    private readonly healer: Healer,
    private readonly recorder: HealingRecorder,
    private readonly options: GuardOptions,
    private readonly logger: Logger,
    private readonly llm: LlmStopPort,
    private readonly memory: MemoryGuard,
  ) {}

  async onAlertFired(alert: MetricsAlertFired): Promise<void> {
    if (alert.metric === 'disk') await this.disk(alert);
    else if (alert.metric === 'temperature') await this.temperature(alert);
    else if (alert.metric === 'ram' && alert.severity === 'critical') {
      await this.recorder.escalate({
        service: 'memory',
        reason: `RAM at ${alert.value.toFixed(0)} % (critical from ${alert.threshold.toFixed(0)} %): pausing batch LLM work, then restarting the heaviest non-core service if that is not enough`,
        severity: 'critical',
        attempts: 0,
        cause: 'guard',
        quarantined: false,
        trigger: 'memory',
      });
      await this.memory.onCritical(alert.value);
    }
  }

  async onAlertResolved(alert: { metric: string }): Promise<void> {
    if (alert.metric === 'ram') await this.memory.onResolved();
    if (alert.metric !== 'temperature') return;
    this.jobStoppedForHeat = false;
    clearTimeout(this.thermalTimer);
    this.thermalTimer = undefined;
    if (!this.llmStoppedByGuard) return;
    this.llmStoppedByGuard = false;
    const name = this.options.llmService;
    await this.act(
      name,
      'start',
      'start_service',
      `the temperature is back to normal: starting ${name} again`,
    );
  }

  stop(): void {
    clearTimeout(this.thermalTimer);
    this.memory.stop();
  }

  private async disk(alert: MetricsAlertFired): Promise<void> {
    const at = `${alert.value.toFixed(1)} %`;
    if (alert.value < this.options.diskCleanupPercent) {
      await this.recorder.note('detected', 'WARNING', 'disk', `disk at ${at}`, 'disk');
      return;
    }
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let freed = { files: 0, bytes: 0 };
    try {
      freed = await safeCleanup(this.options.cleanup);
    } catch (error) {
      outcome = 'failed';
      this.logger.warn('disk cleanup failed', errorMeta(error));
    }
    let docker: { images: number; buildCaches: number; bytes: number } | null = null;
    if (this.healer.runtime.reclaimDisk) {
      try {
        docker = await this.healer.runtime.reclaimDisk();
      } catch (error) {
        outcome = 'failed';
        this.logger.warn('docker image / build cache prune failed', errorMeta(error));
      }
    }
    const dockerPart = docker
      ? `, ${docker.images} dangling images and ${docker.buildCaches} build cache entries (${Math.round(docker.bytes / 1_048_576)} MiB)`
      : '';
    await this.recorder.action({
      service: 'disk',
      action: 'disk_cleanup',
      trigger: 'disk',
      reason: `disk at ${at}: removed ${freed.files} rotated logs and old temporary files (${Math.round(freed.bytes / 1024)} KiB)${dockerPart}`,
      attempt: 1,
      outcome,
      actor: 'agent',
      metadata: { ...freed, ...(docker ? { docker } : {}) },
    });
    if (alert.value >= this.options.diskCriticalPercent) {
      await this.recorder.escalate({
        service: 'disk',
        reason: `disk at ${at} (critical from ${this.options.diskCriticalPercent} %): a person must free space`,
        severity: 'critical',
        attempts: 1,
        lastAction: 'disk_cleanup',
        cause: 'guard',
        quarantined: false,
        trigger: 'disk',
      });
    }
  }

  private async temperature(alert: MetricsAlertFired): Promise<void> {
    const at = `${alert.value.toFixed(1)} °C`;
    if (alert.severity === 'warning') {
      await this.recorder.action({
        service: 'temperature',
        action: 'thermal_throttle',
        trigger: 'temperature',
        reason: `temperature at ${at}: throttle advice (fewer parallel LLM jobs, check the airflow)`,
        attempt: 1,
        outcome: 'succeeded',
        actor: 'agent',
        severity: 'WARNING',
      });
      return;
    }
    await this.recorder.escalate({
      service: 'temperature',
      reason: `temperature at ${at} (critical from ${alert.threshold.toFixed(0)} °C)`,
      severity: 'critical',
      attempts: 0,
      cause: 'guard',
      quarantined: false,
      trigger: 'temperature',
    });
    await this.stopLlmJob(at);
    if (this.thermalTimer !== undefined) return;
    this.thermalTimer = setTimeout(() => {
      const name = this.options.llmService;
      if (!this.healer.find(name)) return; // not managed by this runtime
      this.llmStoppedByGuard = true;
      void this.act(
        name,
        'stop',
        'stop_service',
        `temperature still critical: stopping ${name} to cool down`,
      );
    }, this.options.thermalStopAfterMs);
  }

  /** Second step of the heat ladder: the running LLM job stops (its user sees why) and the models unload. */
  private async stopLlmJob(at: string): Promise<void> {
    if (this.jobStoppedForHeat) return;
    this.jobStoppedForHeat = true;
    let outcome: 'succeeded' | 'failed' = 'succeeded';
    let result: { stopped: string[]; unloaded: string[] } = { stopped: [], unloaded: [] };
    try {
      result = await this.llm.stopRunning(`the box is too hot (${at})`, true);
    } catch (error) {
      outcome = 'failed';
      this.logger.warn('could not stop the LLM job for the heat', errorMeta(error));
    }
    await this.recorder.action({
      service: 'llm-queue',
      action: 'cancel_llm_job',
      trigger: 'temperature',
      reason: `temperature at ${at}: stopped ${result.stopped.length} running LLM job(s) and unloaded ${result.unloaded.length} model(s) to cool down`,
      attempt: 1,
      outcome,
      actor: 'agent',
      metadata: result,
    });
  }

  private async act(
    name: string,
    op: 'stop' | 'start',
    action: 'stop_service' | 'start_service',
    reason: string,
  ): Promise<void> {
    await this.healer.serialize(name, async () => {
      let outcome: 'succeeded' | 'failed' = 'succeeded';
      try {
        await (op === 'stop' ? this.healer.runtime.stop(name) : this.healer.runtime.start(name));
        // While the guard holds it stopped, the agent must not "heal" it back.
        await this.healer.persist(name, { stopped_by_operator: op === 'stop' });
      } catch (error) {
        outcome = 'failed';
        this.logger.warn('temperature guard action failed', { service: name, ...errorMeta(error) });
      }
      await this.recorder.action({
        service: name,
        action,
        trigger: 'temperature',
        reason,
        attempt: 1,
        outcome,
        actor: 'agent',
      });
    });
  }
}
