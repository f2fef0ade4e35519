import type { Kysely } from 'kysely';
import type pg from 'pg';
import type { Database } from '@arasul/db';
import { type HealthRegistry, type Logger, errorMeta } from '@arasul/service-kit';
import type { OllamaClient } from '../clients/ollama.client';
import type { JobHub } from '../jobs/job-events';
import { type JobRow, type WaitingRow, jobsRepository } from '../jobs/jobs.repository';
import type { EventPublisher } from '../shared/events';
import { JobRun, type JobRunOptions, type StopReason } from './job-run';
import type { ModelState } from './model-state';
import { type WaitingEntry, estimateStartSeconds, orderQueue, priorityClassOf } from './scheduler.policy';
import type { Throughput } from './throughput';

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
  db: Kysely<Database>;
  /** The pool whose one connection holds the leader lock for as long as this scheduler runs. */
  pool: pg.Pool;
  ollama: OllamaClient;
  models: ModelState;
  hub: JobHub;
  publisher: EventPublisher;
  throughput: Throughput;
  health: HealthRegistry;
  logger: Logger;
  options: SchedulerOptions;
}

export interface BackendState {
  status: 'unknown' | 'up' | 'down';
  reason: string | null;
  since: Date | null;
}

export interface QueuedView {
  row: WaitingRow & { model: string };
  position: number;
  etaSeconds: number;
}

export interface QueueView {
  waiting: QueuedView[];
  running: JobRun[];
  backend: BackendState;
}

/** Session-level advisory lock: one scheduler per database; Postgres frees it when the holder dies. */
const LEADER_LOCK: [number, number] = [0x4c4c4d51, 1];

/**
 * THE scheduler: claims waiting jobs in policy order while a slot is free and Ollama is reachable, runs
 * each as a JobRun, and keeps listeners told about their position. Exactly one scheduler works a database at
 * a time (advisory lock), so after a crash the next instance knows every `processing` job is an orphan and
 * recovers it at once: back to the front of the queue, at most `maxRecoveries` times, then failed with its
 * partial text. Jobs already waiting keep their order.
 */
export class Scheduler {
  private readonly active = new Map<string, JobRun>();
  private readonly log: Logger;
  private leader: pg.PoolClient | null = null;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  private pumping = false;
  /** Slots promised to admissions that claim their own job (the fast path of an empty queue). */
  private reserved = 0;
  private pumpAgain = false;
  private tickTimer: NodeJS.Timeout | undefined;
  private ticking = false;
  private positionsTimer: NodeJS.Timeout | undefined;
  private readonly lastQueued = new Map<string, string>();
  private backend: BackendState = { status: 'unknown', reason: null, since: null };
  private lastProbeAt = 0;
  private readonly loop: ReturnType<HealthRegistry['loop']>;

  constructor(private readonly deps: SchedulerDeps) {
    this.log = deps.logger.child({ module: 'scheduler' });
    this.loop = deps.health.loop('scheduler');
  }

  get isLeader(): boolean {
    return this.leader !== null;
  }

  backendState(): BackendState {
    return { ...this.backend };
  }

  activeJob(jobId: string): JobRun | undefined {
    const run = this.active.get(jobId);
    return run && !run.isFinished ? run : undefined;
  }

  runningJobs(): JobRun[] {
    return [...this.active.values()].filter((r) => !r.isFinished);
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
    clearTimeout(this.positionsTimer);
    const runs = [...this.active.values()];
    for (const run of runs) run.stop(mode === 'graceful' ? 'shutdown' : 'crash');
    await Promise.race([
      Promise.all(runs.map((r) => r.done)),
      new Promise((r) => setTimeout(r, 5000).unref()),
    ]);
    const leader = this.leader;
    this.leader = null;
    // Closing the lock's connection frees the lock (never reused: it carries our error listener).
    leader?.release(true);
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
    await Promise.race([run.done, new Promise((r) => setTimeout(r, 5000).unref())]);
    return true;
  }

  /** Queue positions are about to change: tell the listeners soon (coalesced). */
  positionsChanged(): void {
    if (this.positionsTimer || this.state !== 'running') return;
    this.positionsTimer = setTimeout(() => {
      this.positionsTimer = undefined;
      this.publishPositions().catch((error: unknown) =>
        this.log.warn('positions not published', errorMeta(error)),
      );
    }, 20);
  }

  /** The waiting jobs in run order with position and ETA, the running jobs, and the backend state. */
  async queueView(limit?: number): Promise<QueueView> {
    const { options, throughput, models } = this.deps;
    const rows = await jobsRepository.listWaiting(this.deps.db, limit ?? this.scanLimit());
    const entries = rows.map((row) => ({
      row: { ...row, model: row.model ?? '' },
      jobId: row.job_id,
      model: row.model ?? '',
      priority: priorityClassOf(row.priority),
      enqueuedAt: row.created_at,
      resumeFirst: row.resume_first,
    }));
    const running = this.runningJobs();
    const loaded = new Set([...models.loadedModels(), ...running.map((r) => r.model)]);
    const ordered = orderQueue(entries, {
      now: Date.now(),
      loadedModels: loaded,
      maxWaitMs: options.maxWaitSeconds * 1000,
      batchAgingMs: options.batchAgingSeconds * 1000,
    });
    const etas = estimateStartSeconds(ordered, {
      runningRemainingSeconds: running.map((r) =>
        Math.max(1, throughput.jobSeconds(r.model) - (Date.now() - r.startedAt) / 1000),
      ),
      parallel: options.parallel,
      currentModel: running[0]?.model ?? models.current(),
      jobSeconds: (model) => throughput.jobSeconds(model),
      switchSeconds: throughput.switchSeconds(),
    });
    return {
      waiting: ordered.map((entry, i) => ({ row: entry.row, position: i + 1, etaSeconds: etas[i] ?? 0 })),
      running,
      backend: this.backendState(),
    };
  }

  // ---------------------------------------------------------------------------------------------------

  private scanLimit(): number {
    return Math.min(100_000, Math.max(this.deps.options.maxQueue * 2, 1000));
  }

  private canClaim(): boolean {
    return (
      this.state === 'running' &&
      this.leader !== null &&
      this.backend.status === 'up' &&
      this.active.size + this.reserved < this.deps.options.parallel
    );
  }

  /**
   * Fast path for an idle scheduler: an admission that finds the queue empty may claim its own job in its
   * transaction (it is next by every rule) and hand it over with `adopt`, instead of waiting for a pump.
   */
  reserveSlot(): { release: () => void } | undefined {
    if (!this.canClaim()) return undefined;
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

  /** Runs a job claimed by an admission under a reserved slot. */
  adopt(job: JobRow, slot: { release: () => void }, history?: { role: string; content: string }[]): void {
    slot.release();
    if (this.state !== 'running') {
      // Stopped in between: the job is `processing` without a runner; recovery puts it back.
      return;
    }
    this.launch(job, history);
  }

  private async pump(): Promise<void> {
    let claimedAny = false;
    // Bounded: at most `parallel` claims per pump, each trying the first few candidates.
    for (let slot = 0; slot < this.deps.options.parallel && this.canClaim(); slot += 1) {
      const job = await this.claimNext();
      if (!job) break;
      claimedAny = true;
      this.launch(job);
    }
    if (claimedAny) this.positionsChanged();
  }

  private async claimNext(): Promise<JobRow | undefined> {
    const view = await this.queueView();
    for (const candidate of view.waiting.slice(0, 10)) {
      if (!this.canClaim()) return undefined;
      const job = await jobsRepository.claim(this.deps.db, candidate.row.job_id);
      if (job) return job;
    }
    return undefined;
  }

  private launch(job: JobRow, history?: { role: string; content: string }[]): void {
    const { deps } = this;
    const run = new JobRun(job, history, {
      db: deps.db,
      ollama: deps.ollama,
      models: deps.models,
      hub: deps.hub,
      publisher: deps.publisher,
      throughput: deps.throughput,
      logger: deps.logger,
      options: deps.options,
      onBackendDown: (reason) => this.markBackendDown(reason),
    });
    this.active.set(job.id, run);
    this.lastQueued.delete(job.id);
    void run.done.finally(() => {
      this.active.delete(job.id);
      this.positionsChanged();
      this.kick();
    });
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.state !== 'running') return;
    this.ticking = true;
    try {
      if (!this.leader) await this.tryLead();
      if (this.leader && this.backend.status !== 'up') {
        if (Date.now() - this.lastProbeAt >= this.deps.options.backendProbeMs) await this.probeBackend();
        if (this.backend.status === 'down') await this.failLongWaiters();
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

  private async tryLead(): Promise<void> {
    const client = await this.deps.pool.connect();
    // Attached first: a connection that dies while we hold it must never become an unhandled 'error'.
    const onError = (error: unknown) => {
      if (this.leader === client) this.loseLeadership(error);
    };
    client.on('error', onError);
    let ok = false;
    try {
      const { rows } = await client.query<{ ok: boolean }>(
        'SELECT pg_try_advisory_lock($1, $2) AS ok',
        LEADER_LOCK,
      );
      ok = rows[0]?.ok === true;
    } finally {
      if (!ok) {
        client.off('error', onError);
        client.release();
      }
    }
    if (!ok) return;
    this.leader = client;
    this.log.info('scheduler is the leader');
    await this.recover();
    await this.probeBackend();
  }

  /** The lock's connection died: another instance may take over, so nothing may keep running here. */
  private loseLeadership(error: unknown): void {
    if (!this.leader) return;
    this.log.error('lost the scheduler lock', errorMeta(error));
    const leader = this.leader;
    this.leader = null;
    leader.release(true);
    for (const run of this.active.values()) run.stop('crash');
  }

  private async recover(): Promise<void> {
    const { db, options } = this.deps;
    const failed: JobRow[] = [];
    let requeued = 0;
    await db.transaction().execute(async (trx) => {
      const interrupted = 'The service restarted while this job was running.';
      for (const job of await jobsRepository.orphans(trx)) {
        if (job.bound_to_caller || job.recovery_count >= options.maxRecoveries) {
          await jobsRepository.finish(trx, job.id, job.model, {
            status: 'failed',
            response: job.response ?? '',
            thinking: job.thinking ?? '',
            errorCode: 'interrupted',
            error: job.bound_to_caller
              ? `${interrupted} Its caller was disconnected.`
              : `${interrupted} It was interrupted ${job.recovery_count + 1} times and is not retried again.`,
            promptTokens: null,
            completionTokens: null,
            promptEvalMs: null,
            evalMs: null,
            loadMs: null,
            doneReason: null,
          });
          failed.push(job);
        } else {
          await jobsRepository.requeue(trx, job.id, { resumeFirst: true, countRecovery: true });
          requeued += 1;
        }
      }
      for (const job of await jobsRepository.waitingBoundToCaller(trx)) {
        await jobsRepository.finish(trx, job.id, job.model, {
          status: 'failed',
          response: '',
          thinking: '',
          errorCode: 'interrupted',
          error: 'The service restarted while this job waited; its caller was disconnected.',
          promptTokens: null,
          completionTokens: null,
          promptEvalMs: null,
          evalMs: null,
          loadMs: null,
          doneReason: null,
        });
        failed.push(job);
      }
      await jobsRepository.repairPendingEntries(trx);
    });
    for (const job of failed) {
      this.deps.publisher.emit('llm.job.finished', {
        jobId: job.id,
        model: job.model ?? 'unknown',
        outcome: 'failed',
        promptTokens: 0,
        completionTokens: 0,
        durationMs: 0,
        source: job.source,
        error: 'interrupted by a restart',
      });
    }
    if (failed.length > 0 || requeued > 0)
      this.log.warn('recovered jobs', { requeued, failed: failed.length });
  }

  private async probeBackend(): Promise<void> {
    this.lastProbeAt = Date.now();
    try {
      await this.deps.ollama.version();
      await this.deps.models.refresh().catch(() => undefined);
      this.markBackendUp();
    } catch (error) {
      this.markBackendDown(error instanceof Error ? error.message : String(error));
    }
  }

  private markBackendUp(): void {
    if (this.backend.status === 'up') return;
    if (this.backend.status === 'down') this.log.info('ollama is reachable again');
    this.backend = { status: 'up', reason: null, since: new Date() };
    this.positionsChanged();
    this.kick();
  }

  markBackendDown(reason: string): void {
    this.lastProbeAt = Date.now();
    if (this.backend.status === 'down') return;
    this.log.warn('ollama unreachable: jobs wait', { reason });
    this.backend = { status: 'down', reason, since: new Date() };
    for (const jobId of this.deps.hub.watchedJobs()) {
      if (!this.active.has(jobId)) this.deps.hub.publish(jobId, { type: 'backend_unavailable', reason });
    }
    this.positionsChanged();
  }

  /** While Ollama is away, a job that has waited `backendWaitTimeoutSeconds` (since it went away) fails. */
  private async failLongWaiters(): Promise<void> {
    const since = this.backend.since?.getTime() ?? Date.now();
    const limitMs = this.deps.options.backendWaitTimeoutSeconds * 1000;
    const rows = await jobsRepository.listWaiting(this.deps.db, 100);
    const now = Date.now();
    const expired = rows.filter((r) => now - Math.max(since, r.created_at.getTime()) >= limitMs);
    for (const row of expired) {
      const message = `Ollama has been unreachable for too long (${this.backend.reason ?? 'no answer'}).`;
      const job = await this.deps.db.transaction().execute(async (trx) => {
        const locked = await jobsRepository.findForUpdate(trx, row.job_id);
        if (locked?.status !== 'pending') return undefined;
        await jobsRepository.finish(trx, row.job_id, locked.model, {
          status: 'failed',
          response: locked.response ?? '',
          thinking: locked.thinking ?? '',
          errorCode: 'backend_unavailable',
          error: message,
          promptTokens: null,
          completionTokens: null,
          promptEvalMs: null,
          evalMs: null,
          loadMs: null,
          doneReason: null,
        });
        return locked;
      });
      if (!job) continue;
      this.deps.hub.publish(job.id, { type: 'error', code: 'backend_unavailable', message });
      this.deps.publisher.emit('llm.job.finished', {
        jobId: job.id,
        model: job.model ?? 'unknown',
        outcome: 'failed',
        promptTokens: 0,
        completionTokens: 0,
        durationMs: 0,
        source: job.source,
        error: message,
      });
    }
    if (expired.length > 0) this.positionsChanged();
  }

  private async publishPositions(): Promise<void> {
    const watched = new Set(this.deps.hub.watchedJobs());
    if (watched.size === 0) return;
    const view = await this.queueView();
    const status = this.backend.status === 'down' ? 'backend_unavailable' : 'waiting';
    for (const entry of view.waiting) {
      const jobId = entry.row.job_id;
      if (!watched.has(jobId)) continue;
      const key = `${entry.position}|${entry.etaSeconds}|${status}`;
      if (this.lastQueued.get(jobId) === key) continue;
      this.lastQueued.set(jobId, key);
      this.deps.hub.publish(jobId, {
        type: 'queued',
        position: entry.position,
        etaSeconds: entry.etaSeconds,
        status,
      });
    }
    for (const jobId of this.lastQueued.keys()) if (!watched.has(jobId)) this.lastQueued.delete(jobId);
  }
}

export type { WaitingEntry };
