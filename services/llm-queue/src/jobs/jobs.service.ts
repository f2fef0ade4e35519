import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { Kysely } from 'kysely';
import type { QueueOverview } from '@arasul/contracts';
import type { Database, LlmJobKind, LlmJobSource } from '@arasul/db';
import { type EventPublisher, type Identity, userRoleAtLeast } from '@arasul/service-kit';
import { ConversationNotFoundError } from '../chats/chats.errors';
import { type JobEvent, type JobHub, type JobListener, isTerminal } from '../scheduler/job-events';
import type { Scheduler } from '../scheduler/scheduler';
import { PRIORITY_VALUE, type PriorityClass } from '../scheduler/scheduler.policy';
import { type JobRow, type StopReason, finishWithoutResult } from '../scheduler/scheduler.port';
import type { Throughput } from '../scheduler/throughput';
import { CallerCapExceededError } from './caller-caps';
import { type JobDto, jobPriority, toJobDto } from './jobs.dto';
import { JobNotFoundError, QueueFullError } from './jobs.errors';
import { type AdmittedRow, jobsRepository } from './jobs.repository';

export interface ModelResolver {
  /** The installed model to run (the default when none is named); throws model_not_installed / no_default_model. */
  resolve(requested: string | undefined): Promise<string>;
}

export interface AdmitInput {
  /** The user the job runs for; null for internal callers. */
  userId: number | null;
  /** The API key it was admitted for (per-key cap); absent for signed-in users and internal callers. */
  apiKeyId?: number | undefined;
  source: LlmJobSource;
  kind: LlmJobKind;
  model?: string;
  priority: PriorityClass;
  /** What was asked, for the seed's `prompt` column (the user's message, or the last one of a list). */
  prompt: string;
  /** What Ollama gets besides model and stream (messages/prompt/input, options, think, format …). */
  body: Record<string, unknown>;
  /** The answer goes only to the waiting HTTP caller (OpenAI/Ollama/internal APIs). */
  boundToCaller: boolean;
  /** /api/llm/chat: the user's message is stored in this (or a new) conversation, the answer next to it. */
  chat?: { conversationId?: string; message: string };
  /** A RAG answer: stored with its sources; the model gets `context` and continues after `preface`. */
  rag?: RagAdmission;
}

export interface RagAdmission {
  /** The numbered chunks and the citation rules, sent as a system message before the question. */
  context: string;
  sources: unknown;
  /** Text the answer starts with (a caution on a marginal match), or ''. */
  preface: string;
  /** The conversation's setting, remembered so the chat keeps using the documents. */
  setting: unknown;
}

export interface Admission {
  jobId: string;
  model: string;
  conversationId: string | null;
  userMessageId: string | null;
  assistantMessageId: string | null;
  position: number;
  etaSeconds: number | null;
  status: 'queued' | 'running' | 'backend_unavailable';
}

export interface JobsServiceOptions {
  maxQueue: number;
  /** Waiting jobs one user (through any session or key) may have. */
  maxQueuedPerUser: number;
  /** Waiting jobs one API key may have. */
  maxQueuedPerKey: number;
  /** LLM_ADMISSION_SYNC_COMMIT: no admission commits without waiting for its WAL flush. */
  syncCommitAlways?: boolean;
}

const TITLE_LENGTH = 60;

function titleFrom(message: string): string {
  const flat = message.replace(/\s+/g, ' ').trim();
  return flat.length <= TITLE_LENGTH ? flat : `${flat.slice(0, TITLE_LENGTH - 1)}…`;
}

/**
 * Admission, reading, following and cancelling jobs. The scheduler runs them; this is what HTTP (the chat
 * API and both compatible APIs) calls.
 */
export class JobsService {
  constructor(
    private readonly db: Kysely<Database>,
    /** Pipelined connections for admissions (AppDeps.admissions). */
    private readonly admissions: pg.Pool,
    private readonly hub: JobHub,
    private readonly scheduler: Scheduler,
    private readonly models: ModelResolver,
    private readonly throughput: Throughput,
    private readonly publisher: EventPublisher,
    private readonly options: JobsServiceOptions,
  ) {}

  /**
   * Stores the job (and for a chat the user's message and an empty answer), refusing it when the queue is
   * full. When the scheduler has a free slot and nobody waits, the job is claimed by the same statement and
   * its upstream request starts while the COMMIT is still on its way (the job writes nothing before the
   * commit, and a failed commit drops the run: never run twice, never lost); such an admission with a
   * listener does not wait for its COMMIT's WAL flush (LLM_ADMISSION_SYNC_COMMIT). With a listener, it is
   * subscribed before the job can start, so it sees every event; call the returned `unsubscribe` when done.
   * Resolves once the job is committed.
   */
  async admit(
    input: AdmitInput,
    listener?: JobListener,
  ): Promise<{ admission: Admission; unsubscribe: () => void }> {
    const model = await this.models.resolve(input.model);
    const slot = this.scheduler.reserveSlot(input.priority);
    let stored: Awaited<ReturnType<typeof jobsRepository.admit>>;
    try {
      stored = await jobsRepository.admit(this.admissions, this.db, this.newJob(input, model), {
        priority: PRIORITY_VALUE[input.priority],
        maxQueue: this.options.maxQueue,
        maxQueuedPerUser: this.options.maxQueuedPerUser,
        maxQueuedPerKey: this.options.maxQueuedPerKey,
        claimIfIdle: slot !== undefined,
        // Watched and about to run: its caller sees the run (and a crash of it); the fsync is not waited for.
        flushBeforeAnswer: this.options.syncCommitAlways === true || slot === undefined || !listener,
      });
    } catch (error) {
      slot?.release();
      throw error;
    }
    const { admitted, committed } = stored;
    const job = admitted.job;
    if (!job) {
      slot?.release();
      throw this.refusal(admitted, model);
    }
    const unsubscribe = listener ? this.hub.subscribe(job.id, listener) : () => undefined;
    if (admitted.claimed && slot) {
      const history =
        input.chat && input.chat.conversationId === undefined
          ? [{ role: 'user', content: input.chat.message }]
          : undefined;
      this.scheduler.adopt(job, slot, { ...(history ? { history } : {}), committed });
    } else {
      slot?.release();
    }
    try {
      await committed;
    } catch (error) {
      unsubscribe();
      throw error;
    }
    // A job claimed at once never waited, and nobody waits behind it (it was claimed because nobody
    // waited): no position changed, so no queue view is read for the listeners while it starts.
    if (!admitted.claimed) {
      this.scheduler.kick();
      this.scheduler.positionsChanged();
    }
    const position = await this.positionOf(job.id);
    return {
      admission: {
        jobId: job.id,
        model,
        conversationId: job.conversation_id,
        userMessageId: admitted.userMessageId,
        assistantMessageId: admitted.assistantMessageId,
        ...position,
      },
      unsubscribe,
    };
  }

  /** Why an admission stored nothing: the queue is full, the caller's cap is reached, or not their chat. */
  private refusal(admitted: AdmittedRow, model: string): Error {
    const { maxQueue, maxQueuedPerUser, maxQueuedPerKey } = this.options;
    const retryAfter = this.retryAfterSeconds(model);
    switch (admitted.refused) {
      case 'queue_full':
        return new QueueFullError(maxQueue, retryAfter);
      case 'user_cap':
        return new CallerCapExceededError('queued_jobs_per_user', maxQueuedPerUser, retryAfter);
      case 'key_cap':
        return new CallerCapExceededError('queued_jobs_per_key', maxQueuedPerKey, retryAfter);
      default:
        return new ConversationNotFoundError();
    }
  }

  private newJob(input: AdmitInput, model: string): Parameters<typeof jobsRepository.admit>[2] {
    const request = {
      body: input.body,
      conversation: input.chat !== undefined,
      priority: input.priority,
      ...(input.rag ? { rag: { context: input.rag.context } } : {}),
    };
    const base = {
      conversationId: null,
      userId: input.userId,
      apiKeyId: input.apiKeyId ?? null,
      source: input.source,
      kind: input.kind,
      model,
      prompt: input.prompt,
      request,
      boundToCaller: input.boundToCaller,
    };
    if (!input.chat || input.userId === null) return base;
    return {
      ...base,
      conversationId: input.chat.conversationId ?? null,
      boundToCaller: false,
      chat: {
        title: titleFrom(input.chat.message),
        message: input.chat.message,
        ...(input.rag
          ? { rag: { sources: input.rag.sources, preface: input.rag.preface, setting: input.rag.setting } }
          : {}),
      },
    };
  }

  async positionOf(
    jobId: string,
  ): Promise<{ position: number; etaSeconds: number | null; status: Admission['status'] }> {
    if (this.scheduler.activeJob(jobId)) return { position: 0, etaSeconds: 0, status: 'running' };
    const view = await this.scheduler.queueView();
    const entry = view.waiting.find((w) => w.row.job_id === jobId);
    if (!entry) return { position: 0, etaSeconds: 0, status: 'running' };
    return {
      position: entry.position,
      etaSeconds: entry.etaSeconds,
      status: view.backend.status === 'down' ? 'backend_unavailable' : 'queued',
    };
  }

  /** The job if `identity` may see it (its owner; internal callers pass null); 404 otherwise. */
  async getOwned(identity: Identity | null, jobId: string): Promise<JobRow> {
    const row = await jobsRepository.findById(this.db, jobId);
    if (!row || (identity !== null && row.user_id !== identity.userId)) throw new JobNotFoundError();
    return row;
  }

  async get(identity: Identity | null, jobId: string): Promise<JobDto> {
    return this.toDto(await this.getOwned(identity, jobId));
  }

  async list(
    identity: Identity,
    filter: { conversationId?: string; limit: number; before?: Date },
  ): Promise<JobDto[]> {
    const rows = await jobsRepository.list(this.db, { userId: identity.userId, ...filter });
    const view = rows.some((r) => r.status === 'pending') ? await this.scheduler.queueView() : undefined;
    return rows.map((row) => {
      const waiting = view?.waiting.find((w) => w.row.job_id === row.id);
      return this.toDto(row, waiting);
    });
  }

  /**
   * A queued job leaves the queue; a running one is stopped (its upstream request aborted) and keeps its
   * partial text, marked cancelled. The owner or an administrator (a signed-in one: never an API key) may
   * cancel; others get 404.
   */
  async cancel(identity: Identity | null, jobId: string, reason: StopReason = 'user'): Promise<JobDto> {
    const row = await jobsRepository.findById(this.db, jobId);
    const allowed =
      row !== undefined &&
      (identity === null || row.user_id === identity.userId || userRoleAtLeast(identity, 'admin'));
    if (!row || !allowed) throw new JobNotFoundError();
    await this.stop(jobId, reason);
    return this.toDto(await this.getOwned(null, jobId));
  }

  /** Cancels without asking who: the caller of a bound job went away. Never throws. */
  async cancelForCaller(jobId: string): Promise<void> {
    await this.stop(jobId, 'caller_gone').catch(() => undefined);
  }

  private async stop(jobId: string, reason: StopReason): Promise<void> {
    // A job may be claimed between our read and our write: then stop it as a running job.
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (await this.scheduler.stopJob(jobId, reason)) return;
      const cancelled = await this.db.transaction().execute(async (trx) => {
        const locked = await jobsRepository.findForUpdate(trx, jobId);
        if (!locked) return 'gone' as const;
        if (locked.status !== 'pending')
          return locked.status === 'processing' ? ('running' as const) : ('final' as const);
        await jobsRepository.finish(trx, jobId, locked.model, finishWithoutResult(locked, 'cancelled'));
        return locked;
      });
      if (cancelled === 'gone' || cancelled === 'final') return;
      if (cancelled === 'running') {
        await sleep(20);
        continue;
      }
      this.hub.publish(jobId, { type: 'cancelled' });
      this.publisher.emit('llm.job.finished', {
        jobId,
        model: cancelled.model ?? 'unknown',
        outcome: 'cancelled',
        promptTokens: 0,
        completionTokens: 0,
        durationMs: Date.now() - cancelled.created_at.getTime(),
        source: cancelled.source,
      });
      this.scheduler.positionsChanged();
      return;
    }
  }

  /**
   * Follows a job: first a snapshot of everything so far (or, for a job that just got admitted, nothing),
   * then live events until the terminal one, which is always delivered. Returns the unsubscribe function.
   */
  async follow(identity: Identity | null, jobId: string, listener: JobListener): Promise<() => void> {
    await this.getOwned(identity, jobId);
    const buffered: JobEvent[] = [];
    let live = false;
    const unsubscribe = this.hub.subscribe(jobId, (event, extras) => {
      if (live) listener(event, extras);
      else buffered.push(event);
    });
    try {
      const active = this.scheduler.activeJob(jobId);
      if (active) {
        // Everything buffered so far is contained in the snapshot (same tick).
        listener(active.snapshot());
      } else {
        const row = await this.getOwned(null, jobId);
        const running = this.scheduler.activeJob(jobId);
        if (running) {
          listener(running.snapshot());
        } else {
          listener(this.snapshotOf(row));
          const terminal = this.terminalOf(row);
          if (terminal) {
            listener(terminal);
            unsubscribe();
            return () => undefined;
          }
          const position = await this.positionOf(jobId);
          if (position.status !== 'running') {
            listener({
              type: 'queued',
              position: position.position,
              etaSeconds: position.etaSeconds,
              status: position.status === 'backend_unavailable' ? 'backend_unavailable' : 'waiting',
            });
          }
          for (const event of buffered) {
            listener(event);
            if (isTerminal(event)) {
              unsubscribe();
              return () => undefined;
            }
          }
        }
      }
      live = true;
      return unsubscribe;
    } catch (error) {
      unsubscribe();
      throw error;
    }
  }

  /**
   * `GET /api/llm/queue`: positions, the running job(s), throughput and the backend state, as `identity`
   * may see it: administrators (signed in) see every job; everyone else sees their own jobs in full and
   * other users' only as anonymous places in line (no id, no source).
   */
  async queue(identity: Identity | null): Promise<QueueOverview> {
    const view = await this.scheduler.queueView();
    const loadedModels = [...this.scheduler.loadedModels()];
    const now = Date.now();
    const seesAll = identity === null || userRoleAtLeast(identity, 'admin');
    const mine = (userId: number | null) => identity !== null && userId === identity.userId;
    const shown = (userId: number | null) => seesAll || mine(userId);
    return {
      backend: {
        status: view.backend.status,
        reason: view.backend.reason,
        since: view.backend.since?.toISOString() ?? null,
      },
      loadedModels,
      tokensPerSecond: this.throughput.tokensPerSecond(),
      running: view.running.map((run) => ({
        jobId: shown(run.job.user_id) ? run.job.id : null,
        model: run.model,
        source: shown(run.job.user_id) ? run.job.source : null,
        priority: jobPriority(run.job),
        startedAt: new Date(run.startedAt).toISOString(),
        chunks: run.chunks,
        tokensPerSecond: run.liveTokensPerSecond(),
        mine: mine(run.job.user_id),
      })),
      waitingCount: view.waiting.length,
      queued: view.waiting.map((w) => ({
        jobId: shown(w.row.user_id) ? w.row.job_id : null,
        position: w.position,
        etaSeconds: w.etaSeconds,
        model: w.row.model,
        priority: w.row.priority >= PRIORITY_VALUE.interactive ? 'interactive' : 'batch',
        source: shown(w.row.user_id) ? w.row.source : null,
        waitingSeconds: Math.round((now - w.row.created_at.getTime()) / 1000),
        status: view.backend.status === 'down' ? 'backend_unavailable' : 'queued',
        mine: mine(w.row.user_id),
      })),
    };
  }

  private retryAfterSeconds(model: string): number {
    return Math.min(3600, Math.max(5, Math.round(this.throughput.jobSeconds(model))));
  }

  private toDto(row: JobRow, waiting?: { position: number; etaSeconds: number }): JobDto {
    const active = this.scheduler.activeJob(row.id);
    const backendDown = this.scheduler.backendState().status === 'down';
    return toJobDto(row, {
      backendDown,
      ...(active ? { content: active.content, thinking: active.thinking } : {}),
      ...(waiting ? { position: waiting.position, etaSeconds: waiting.etaSeconds } : {}),
    });
  }

  private snapshotOf(row: JobRow): JobEvent {
    return {
      type: 'snapshot',
      status: toJobDto(row, { backendDown: this.scheduler.backendState().status === 'down' }).status,
      model: row.model,
      content: row.response ?? '',
      thinking: row.thinking ?? '',
    };
  }

  private terminalOf(row: JobRow): JobEvent | undefined {
    switch (row.status) {
      case 'completed': {
        const prompt = row.prompt_tokens ?? 0;
        const completion = row.completion_tokens ?? 0;
        return {
          type: 'done',
          usage: { promptTokens: prompt, completionTokens: completion, totalTokens: prompt + completion },
          timings: {
            totalMs:
              row.finished_at && row.started_at ? row.finished_at.getTime() - row.started_at.getTime() : 0,
            loadMs: row.load_ms ?? 0,
            promptEvalMs: row.prompt_eval_ms ?? 0,
            evalMs: row.eval_ms ?? 0,
            tokensPerSecond:
              row.eval_ms && completion > 0 ? Math.round((completion / row.eval_ms) * 10_000) / 10 : null,
          },
          doneReason: row.done_reason,
        };
      }
      case 'failed':
        return { type: 'error', code: row.error_code ?? 'failed', message: row.error ?? 'The job failed.' };
      case 'cancelled':
        return { type: 'cancelled' };
      default:
        return undefined;
    }
  }
}
