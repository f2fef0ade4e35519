import type pg from 'pg';
import { type EventPublisher, type HealthRegistry, type Logger, errorMeta } from '@arasul/service-kit';
import { type BackendState, BackendMonitor } from './backend-monitor';
import { type BatchPause, BatchGate } from './batch-gate';
import type { JobHub } from './job-events';
import { JobRun, type JobRunOptions } from './job-run';
import { LeaderLock } from './leader-lock';
import { PositionNotifier } from './positions';
import { type QueueView, QueueViewReader } from './queue-view';
import { recoverOrphans } from './recovery';
import { type PriorityClass, priorityClassOf, priorityClassOfRequest } from './scheduler.policy';
import type { JobRow, ModelLoader, QueueStore, StopReason, Upstream } from './scheduler.port';
import type { Throughput } from './throughput';
import { failLongWaiters } from './wait-timeouts';

export interface SchedulerOptions extends JobRunOptions {
  parallel: number;
  maxWaitSeconds: number;
  batchAgingSeconds: number;
  maxQueue: number;
  backendWaitTimeoutSeconds: number;
  backendProbeMs: number;
  /** Restarts a running job survives before it fails (the issue: 2). */
  maxRecoveries: number;
  /** How often the housekeeping tick runs (leadership, backend probe, timeouts, ETA refresh). */
  tickMs: number;
}

export interface SchedulerDeps {
  store: QueueStore;
  /** The pool whose one connection holds the leader lock for as long as this scheduler runs. */
  pool: pg.Pool;
  upstream: Upstream;
  models: ModelLoader;
  hub: JobHub;
  publisher: EventPublisher;
  throughput: Throughput;
  health: HealthRegistry;
  logger: Logger;
  options: SchedulerOptions;
}

/** A slot promised to an admission that runs its own job (the fast path of an idle scheduler). */
export interface ReservedSlot {
  release(): void;
}

/** Bounded wait for running jobs to write their final state. */
const STOP_WAIT_MS = 5000;

/**
 * THE scheduler: claims waiting jobs in policy order while a slot is free and Ollama is reachable, runs
 * each as a JobRun, and keeps listeners told about their position. Exactly one scheduler works a database at
 * a time (`LeaderLock`), so after a crash the next instance knows every `processing` job is an orphan and
 * recovers it at once (`recovery.ts`). The parts: leader lock, recovery, backend probing (`BackendMonitor`),
 * wait timeouts, the queue view and position updates; this class coordinates them.
 */
export class Scheduler {
  private readonly active = new Map<string, JobRun>();
  private readonly log: Logger;
  private readonly leader: LeaderLock;
  private readonly backend: BackendMonitor;
  private readonly views: QueueViewReader;
  private readonly positions: PositionNotifier;
  private readonly loop: ReturnType<HealthRegistry['loop']>;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private pumping = false;
  private pumpAgain = false;
  /** Slots promised to admissions that claim their own job. */
  private reserved = 0;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private readonly batch = new BatchGate();
  /** Chunks of the runs that ended in this process: with the running ones, a counter that only grows. */
  private chunksOfEndedRuns = 0;

  constructor(private readonly deps: SchedulerDeps) {
    this.log = deps.logger.child({ module: 'scheduler' });
    this.loop = deps.health.loop('scheduler');
    this.leader = new LeaderLock(deps.pool, this.log, () => {
      for (const run of this.active.values()) run.stop('crash');
    });
    this.backend = new BackendMonitor(
      deps.upstream,
      deps.models,
      deps.options.backendProbeMs,
      this.log,
      (state) => this.onBackendChange(state),
    );
    this.views = new QueueViewReader(deps.store, deps.models, deps.throughput, deps.options);
    this.positions = new PositionNotifier(deps.hub, () => this.queueView(), this.log);
  }

  get isLeader(): boolean {
    return this.leader.held;
  }

  backendState(): BackendState {
    return this.backend.current;
  }

  loadedModels(): ReadonlySet<string> {
    return this.deps.models.loadedModels();
  }

  activeJob(jobId: string): JobRun | undefined {
    const run = this.active.get(jobId);
    return run && !run.isFinished ? run : undefined;
  }

  runningJobs(): JobRun[] {
    return [...this.active.values()].filter((r) => !r.isFinished);
  }

  /** The waiting jobs in run order with position and ETA, the running jobs, and the backend state. */
  queueView(limit?: number): Promise<QueueView> {
    return this.views.read(this.runningJobs(), this.backend.current, limit);
  }

  /** Becomes leader if it can (recovering orphans), then starts claiming. Returns once that was tried. */
  async start(): Promise<void> {
    if (this.state !== 'new') return;
    this.state = 'running';
    await this.tick();
    this.tickTimer = setInterval(() => void this.tick(), this.deps.options.tickMs);
    this.tickTimer.unref();
  }

  /**
   * `graceful`: running jobs are stopped and put back at the front of the queue with their text so far.
   * `crash`: everything stops where it is, nothing more is written (what a killed process leaves behind).
   */
  async stop(mode: 'graceful' | 'crash' = 'graceful'): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    clearInterval(this.tickTimer);
    this.positions.stop();
    const runs = [...this.active.values()];
    for (const run of runs) run.stop(mode === 'graceful' ? 'shutdown' : 'crash');
    await Promise.race([
      Promise.all(runs.map((r) => r.done)),
      new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref()),
    ]);
    this.leader.release();
    this.state = 'stopped';
  }

  /** Something changed (a job was admitted or finished, Ollama came back): claim what can run now. */
  kick(): void {
    if (this.state !== 'running') return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    setImmediate(() => {
      this.pump()
        .then(
          () => this.loop.success(),
          (error: unknown) => {
            this.loop.failure(error);
            this.log.error('scheduling failed', errorMeta(error));
          },
        )
        .finally(() => {
          this.pumping = false;
          if (this.pumpAgain) {
            this.pumpAgain = false;
            this.kick();
          }
        });
    });
  }

  /** Stops a running job of this instance; resolves once its final state is written (bounded). */
  async stopJob(jobId: string, reason: StopReason): Promise<boolean> {
    const run = this.active.get(jobId);
    if (!run) return false;
    run.stop(reason);
    await Promise.race([run.done, new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref())]);
    return true;
  }

  /** Stops every running job (the box protects itself): each fails with `stopped_by_system` and `message`. */
  async stopRunning(message: string): Promise<string[]> {
    const runs = this.runningJobs();
    for (const run of runs) run.stop('system', message);
    await Promise.race([
      Promise.all(runs.map((r) => r.done)),
      new Promise((r) => setTimeout(r, STOP_WAIT_MS).unref()),
    ]);
    return runs.map((r) => r.job.id);
  }

  /**
   * Holds batch work back for `forMs`: waiting batch jobs are not claimed, running ones go back to the front
   * of the queue with their text so far. Interactive work goes on. Returns the jobs put back.
   */
  pauseBatch(reason: string, forMs: number): { pause: BatchPause; requeued: string[] } {
    const pause = this.batch.hold(reason, forMs);
    const runs = this.runningJobs().filter((r) => priorityClassOfRequest(r.job.request) === 'batch');
    for (const run of runs) run.stop('paused');
    this.positionsChanged();
    return { pause, requeued: runs.map((r) => r.job.id) };
  }

  resumeBatch(): boolean {
    const was = this.batch.release();
    this.kick();
    this.positionsChanged();
    return was;
  }

  batchPause(): BatchPause | null {
    return this.batch.current();
  }

  /** Every chunk generated since this process started; unchanged over a while means no progress. */
  generatedChunks(): number {
    return this.chunksOfEndedRuns + this.runningJobs().reduce((sum, r) => sum + r.chunks, 0);
  }

  /** Queue positions are about to change: tell the listeners soon (coalesced). */
  positionsChanged(): void {
    if (this.state === 'running') this.positions.changed();
  }

  /**
   * Fast path for an idle scheduler: an admission that finds the queue empty may claim its own job while
   * storing it (it is next by every rule) and hand it over with `adopt`, instead of waiting for a pump.
   */
  reserveSlot(priority: PriorityClass = 'interactive'): ReservedSlot | undefined {
    if (!this.canClaim() || (priority === 'batch' && this.batch.paused)) return undefined;
    this.reserved += 1;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.reserved -= 1;
      },
    };
  }

  /**
   * Runs a job claimed by an admission under a reserved slot. The upstream request starts now; the job's
   * own writes wait for `committed` (the admission's COMMIT, which may still be on its way). If that
   * fails, the run is dropped without a trace: the job never existed.
   */
  adopt(
    job: JobRow,
    slot: ReservedSlot,
    options: { history?: { role: string; content: string }[]; committed?: Promise<void> } = {},
  ): JobRun | undefined {
    slot.release();
    // Stopped in between: the job is `processing` without a runner; recovery puts it back.
    if (this.state !== 'running') return undefined;
    return this.launch(job, options);
  }

  // ---------------------------------------------------------------------------------------------------

  private canClaim(): boolean {
    return (
      this.state === 'running' &&
      this.leader.held &&
      this.backend.isUp &&
      this.active.size + this.reserved < this.deps.options.parallel
    );
  }

  private async pump(): Promise<void> {
    let claimedAny = false;
    // Bounded: at most `parallel` claims per pump, each trying the first few candidates.
    for (let slot = 0; slot < this.deps.options.parallel && this.canClaim(); slot += 1) {
      const job = await this.claimNext();
      if (!job) break;
      claimedAny = true;
      this.launch(job, {});
    }
    if (claimedAny) this.positionsChanged();
  }

  private async claimNext(): Promise<JobRow | undefined> {
    const view = await this.queueView();
    const batchPaused = this.batch.paused;
    const candidates = view.waiting.filter(
      (w) => !batchPaused || priorityClassOf(w.row.priority) === 'interactive',
    );
    for (const candidate of candidates.slice(0, 10)) {
      if (!this.canClaim()) return undefined;
      const job = await this.deps.store.claim(candidate.row.job_id);
      if (job) return job;
    }
    return undefined;
  }

  private launch(
    job: JobRow,
    options: { history?: { role: string; content: string }[]; committed?: Promise<void> },
  ): JobRun {
    const { deps } = this;
    const run = new JobRun(job, {
      store: deps.store,
      upstream: deps.upstream,
      models: deps.models,
      hub: deps.hub,
      publisher: deps.publisher,
      throughput: deps.throughput,
      logger: deps.logger,
      options: deps.options,
      onBackendDown: (reason) => this.backend.markDown(reason),
      ...options,
    });
    this.active.set(job.id, run);
    this.positions.forget(job.id);
    void run.done.finally(() => {
      this.chunksOfEndedRuns += run.chunks;
      this.active.delete(job.id);
      this.positionsChanged();
      this.kick();
    });
    return run;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.state !== 'running') return;
    this.ticking = true;
    try {
      if (!this.leader.held && (await this.leader.tryAcquire())) {
        this.log.info('scheduler is the leader');
        await recoverOrphans(this.deps.store, this.deps.publisher, this.log, this.deps.options.maxRecoveries);
        await this.backend.probe();
      }
      if (this.leader.held && !this.backend.isUp) {
        if (this.backend.probeDue()) await this.backend.probe();
        if (this.backend.isDown) {
          const limitMs = this.deps.options.backendWaitTimeoutSeconds * 1000;
          if ((await failLongWaiters(this.deps, this.backend.current, limitMs)) > 0) this.positionsChanged();
        }
      }
      this.kick();
      if (this.deps.hub.watchedJobs().length > 0) this.positionsChanged();
    } catch (error) {
      this.loop.failure(error);
      this.log.warn('scheduler tick failed', errorMeta(error));
    } finally {
      this.ticking = false;
    }
  }

  private onBackendChange(state: BackendState): void {
    if (state.status === 'down') {
      const reason = state.reason ?? 'unreachable';
      for (const jobId of this.deps.hub.watchedJobs()) {
        if (!this.active.has(jobId)) this.deps.hub.publish(jobId, { type: 'backend_unavailable', reason });
      }
    }
    this.positionsChanged();
    if (state.status === 'up') this.kick();
  }
}
