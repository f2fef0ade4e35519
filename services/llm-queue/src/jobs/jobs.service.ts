import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely, Transaction } from 'kysely';
import type { Database, LlmJobKind, LlmJobSource } from '@arasul/db';
import type { Identity } from '@arasul/service-kit';
import { ConversationNotFoundError } from '../chats/chats.errors';
import type { EventPublisher } from '../shared/events';
import { PRIORITY_VALUE, type PriorityClass } from '../scheduler/scheduler.policy';
import type { Scheduler } from '../scheduler/scheduler';
import type { StopReason } from '../scheduler/job-run';
import type { Throughput } from '../scheduler/throughput';
import { type JobEvent, type JobHub, type JobListener, isTerminal } from './job-events';
import { type JobDto, jobPriority, toJobDto } from './jobs.dto';
import { JobNotFoundError, QueueFullError } from './jobs.errors';
import { type JobRow, jobsRepository } from './jobs.repository';

export interface ModelResolver {
  /** The installed model to run (the default when none is named); throws model_not_installed / no_default_model. */
  resolve(requested: string | undefined): Promise<string>;
}

export interface AdmitInput {
  /** The user the job runs for; null for internal callers. */
  userId: number | null;
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
    private readonly hub: JobHub,
    private readonly scheduler: Scheduler,
    private readonly models: ModelResolver,
    private readonly throughput: Throughput,
    private readonly publisher: EventPublisher,
    private readonly options: JobsServiceOptions,
  ) {}

  /**
   * Stores the job (and for a chat the user's message and an empty answer) in one transaction, refusing it
   * when the queue is full. With a listener, it is subscribed before the scheduler can pick the job, so it
   * sees every event from `queued` on; call the returned `unsubscribe` when done.
   */
  async admit(
    input: AdmitInput,
    listener?: JobListener,
  ): Promise<{ admission: Admission; unsubscribe: () => void }> {
    const model = await this.models.resolve(input.model);
    const slot = this.scheduler.reserveSlot();
    let claimed: JobRow | undefined;
    const stored = await this.db
      .transaction()
      .execute(async (trx) => {
        await jobsRepository.lockAdmissions(trx);
        const waiting = await jobsRepository.countWaiting(trx);
        if (waiting >= this.options.maxQueue) {
          throw new QueueFullError(this.options.maxQueue, this.retryAfterSeconds(model));
        }
        const row = await this.insert(trx, input, model);
        // Nobody else waits and a slot is free: this job is next by every rule, so it starts now.
        if (slot && waiting === 0) claimed = await jobsRepository.claim(trx, row.jobId);
        return row;
      })
      .finally(() => {
        if (!claimed) slot?.release();
      });

    const unsubscribe = listener ? this.hub.subscribe(stored.jobId, listener) : () => undefined;
    if (claimed && slot) {
      const history =
        input.chat && input.chat.conversationId === undefined
          ? [{ role: 'user', content: input.chat.message }]
          : undefined;
      this.scheduler.adopt(claimed, slot, history);
    } else {
      this.scheduler.kick();
    }
    this.scheduler.positionsChanged();
    const position = await this.positionOf(stored.jobId);
    return { admission: { ...stored, model, ...position }, unsubscribe };
  }

  private async insert(
    trx: Transaction<Database>,
    input: AdmitInput,
    model: string,
  ): Promise<Pick<Admission, 'jobId' | 'conversationId' | 'userMessageId' | 'assistantMessageId'>> {
    const request = {
      body: input.body,
      conversation: input.chat !== undefined,
      priority: input.priority,
      ...(input.rag ? { rag: { context: input.rag.context } } : {}),
    };
    const priority = PRIORITY_VALUE[input.priority];
    if (input.chat && input.userId !== null) {
      const row = await jobsRepository.insertChatJob(
        trx,
        {
          userId: input.userId,
          conversationId: input.chat.conversationId ?? null,
          title: titleFrom(input.chat.message),
          message: input.chat.message,
          ...(input.rag
            ? { rag: { sources: input.rag.sources, preface: input.rag.preface, setting: input.rag.setting } }
            : {}),
          source: input.source,
          kind: input.kind,
          model,
          prompt: input.prompt,
          request,
        },
        priority,
      );
      if (!row) throw new ConversationNotFoundError();
      return {
        jobId: row.job_id,
        conversationId: row.conversation_id,
        userMessageId: row.user_message_id,
        assistantMessageId: row.assistant_message_id,
      };
    }
    const jobId = await jobsRepository.insertJob(
      trx,
      {
        conversationId: null,
        userId: input.userId,
        source: input.source,
        kind: input.kind,
        model,
        prompt: input.prompt,
        request,
        boundToCaller: input.boundToCaller,
      },
      priority,
    );
    return { jobId, conversationId: null, userMessageId: null, assistantMessageId: null };
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
   * partial text, marked cancelled. The owner or an administrator may cancel; others get 404.
   */
  async cancel(identity: Identity | null, jobId: string, reason: StopReason = 'user'): Promise<JobDto> {
    const row = await jobsRepository.findById(this.db, jobId);
    const allowed =
      row !== undefined &&
      (identity === null || row.user_id === identity.userId || identity.role === 'admin');
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
        await jobsRepository.finish(trx, jobId, locked.model, {
          status: 'cancelled',
          response: locked.response ?? '',
          thinking: locked.thinking ?? '',
          errorCode: null,
          error: null,
          promptTokens: null,
          completionTokens: null,
          promptEvalMs: null,
          evalMs: null,
          loadMs: null,
          doneReason: null,
        });
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

  /** `GET /api/llm/queue`: positions, the running job(s), throughput and the backend state. */
  async queue(identity: Identity | null, loadedModels: readonly string[]) {
    const view = await this.scheduler.queueView();
    const now = Date.now();
    return {
      backend: {
        status: view.backend.status,
        reason: view.backend.reason,
        since: view.backend.since?.toISOString() ?? null,
      },
      loadedModels,
      tokensPerSecond: this.throughput.tokensPerSecond(),
      running: view.running.map((run) => ({
        jobId: run.job.id,
        model: run.model,
        source: run.job.source,
        priority: jobPriority(run.job),
        startedAt: new Date(run.startedAt).toISOString(),
        chunks: run.chunks,
        tokensPerSecond: run.liveTokensPerSecond(),
        mine: identity !== null && run.job.user_id === identity.userId,
      })),
      waitingCount: view.waiting.length,
      queued: view.waiting.map((w) => ({
        jobId: w.row.job_id,
        position: w.position,
        etaSeconds: w.etaSeconds,
        model: w.row.model,
        priority: w.row.priority >= PRIORITY_VALUE.interactive ? 'interactive' : 'batch',
        source: w.row.source,
        waitingSeconds: Math.round((now - w.row.created_at.getTime()) / 1000),
        status: view.backend.status === 'down' ? 'backend_unavailable' : 'queued',
        mine: identity !== null && w.row.user_id === identity.userId,
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
