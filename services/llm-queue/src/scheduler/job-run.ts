import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database, JsonObject } from '@arasul/db';
import { AppError, type Logger, errorMeta } from '@arasul/service-kit';
import { chatsRepository } from '../chats/chats.repository';
import {
  type GenerationResult,
  type OllamaClient,
  OllamaOutOfMemoryError,
  OllamaUnavailableError,
} from '../clients/ollama.client';
import { type JobEvent, type JobHub, type JobResultExtras, type Timings } from '../jobs/job-events';
import { type FinishRow, type JobRow, jobsRepository } from '../jobs/jobs.repository';
import { modelsRepository } from '../models/models.repository';
import { type StoredRag, withRagContext } from '../rag/rag.prompt';
import type { EventPublisher } from '../shared/events';
import type { ModelState } from './model-state';
import type { Throughput } from './throughput';

/** Why a running job was stopped from outside. */
export type StopReason = 'user' | 'caller_gone' | 'shutdown' | 'crash' | 'inactivity' | 'output_limit';

export interface JobRunOptions {
  flushIntervalMs: number;
  inactivityMs: number;
  connectAttempts: number;
  connectBackoffMs: number;
  historyMessages: number;
}

export interface JobRunDeps {
  db: Kysely<Database>;
  ollama: OllamaClient;
  models: ModelState;
  hub: JobHub;
  publisher: EventPublisher;
  throughput: Throughput;
  logger: Logger;
  options: JobRunOptions;
  /** Ollama could not be reached after every attempt: the scheduler stops claiming until it is back. */
  onBackendDown: (reason: string) => void;
}

type Outcome =
  | { kind: 'completed'; result: GenerationResult | null; extras: JobResultExtras }
  | { kind: 'failed'; code: string; message: string }
  | { kind: 'cancelled' }
  | { kind: 'requeue'; reason: string; backendDown: boolean }
  | { kind: 'abandon' };

/** Largest answer kept for one job; a model that runs away is stopped there. */
const MAX_OUTPUT_CHARS = 2_000_000;
const SETTLE_ATTEMPTS = 5;

interface StoredRequest {
  body?: JsonObject;
  conversation?: boolean;
  rag?: StoredRag;
}

/**
 * One job on its way through Ollama: load the model if needed, stream, keep the text in memory for
 * snapshots, write it to the database every flush interval, and end in exactly one final state. Connection
 * failures are retried with back-off, an out-of-memory error once after unloading every model; a stopped
 * job's upstream request is aborted at the socket.
 */
export class JobRun {
  readonly done: Promise<void>;
  content = '';
  thinking = '';
  readonly startedAt = Date.now();
  firstTokenAt: number | null = null;
  chunks = 0;
  private readonly controller = new AbortController();
  private stopReason: StopReason | null = null;
  private dirty = false;
  private flushing: Promise<void> | null = null;
  private inactivityTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private finished = false;
  private history: { role: string; content: string }[] | null = null;

  constructor(
    readonly job: JobRow,
    /** The conversation as the model should see it, when the admission already knew it (a new chat). */
    history: { role: string; content: string }[] | undefined,
    private readonly deps: JobRunDeps,
  ) {
    this.history = history ?? null;
    this.log = deps.logger.child({ module: 'job', jobId: job.id });
    this.content = job.response ?? '';
    this.thinking = job.thinking ?? '';
    this.done = this.run();
  }

  get model(): string {
    return this.job.model ?? '';
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Stops the job; the upstream request is aborted at once. The first reason wins. */
  stop(reason: StopReason): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.controller.abort(new Error(`job stopped: ${reason}`));
  }

  /** Everything so far, for a listener that joins now. */
  snapshot(): JobEvent {
    return {
      type: 'snapshot',
      status: 'running',
      model: this.model,
      content: this.content,
      thinking: this.thinking,
    };
  }

  liveTokensPerSecond(): number | null {
    if (this.firstTokenAt === null || this.chunks < 2) return null;
    const seconds = (Date.now() - this.firstTokenAt) / 1000;
    return seconds > 0 ? Math.round((this.chunks / seconds) * 10) / 10 : null;
  }

  // ---------------------------------------------------------------------------------------------------

  private publish(event: JobEvent, extras?: JobResultExtras): void {
    this.deps.hub.publish(this.job.id, event, extras);
  }

  private async run(): Promise<void> {
    this.publish({ type: 'started', model: this.model });
    const flusher = setInterval(() => void this.flush(), this.deps.options.flushIntervalMs);
    let outcome: Outcome;
    try {
      outcome = await this.execute();
    } catch (error) {
      this.log.error('job run failed unexpectedly', errorMeta(error));
      outcome = { kind: 'failed', code: 'internal_error', message: 'The job failed on our side.' };
    } finally {
      clearInterval(flusher);
      clearTimeout(this.inactivityTimer);
    }
    if (outcome.kind === 'abandon') {
      this.finished = true;
      return;
    }
    await this.flushing;
    await this.settle(outcome);
  }

  private async execute(): Promise<Outcome> {
    const { options } = this.deps;
    const signal = this.controller.signal;
    let connectFailures = 0;
    let oomRetried = false;
    for (;;) {
      try {
        await this.deps.models.ensureLoaded(this.model, signal, (from) =>
          this.publish({ type: 'model_loading', model: this.model, from }),
        );
        if (this.job.kind === 'embed') {
          const body = this.request().body ?? {};
          const answer = await this.deps.ollama.embed(body, this.model, signal);
          return {
            kind: 'completed',
            result: {
              doneReason: 'stop',
              promptTokens: answer.prompt_eval_count ?? 0,
              completionTokens: 0,
              promptEvalMs: 0,
              evalMs: 0,
              loadMs: Math.round((answer.load_duration ?? 0) / 1e6),
              totalMs: Math.round((answer.total_duration ?? 0) / 1e6),
              raw: answer,
            },
            extras: { embeddings: answer.embeddings },
          };
        }
        if (this.job.kind === 'generate' && this.content !== '') {
          return {
            kind: 'failed',
            code: 'upstream_interrupted',
            message: 'The connection to Ollama broke mid-answer and a generate request cannot be resumed.',
          };
        }
        const body = await this.upstreamBody();
        this.armInactivity();
        const result = await this.deps.ollama.generate(
          this.job.kind === 'generate' ? 'generate' : 'chat',
          this.model,
          body,
          signal,
          (chunk) => this.onChunk(chunk.content, chunk.thinking),
        );
        return { kind: 'completed', result, extras: { raw: result.raw } };
      } catch (error) {
        clearTimeout(this.inactivityTimer);
        if (this.stopReason !== null) return this.stoppedOutcome();
        if (error instanceof OllamaOutOfMemoryError && !oomRetried) {
          oomRetried = true;
          this.log.warn('out of memory: unloading every model and retrying once', errorMeta(error));
          await this.deps.models.unloadAll(signal);
          continue;
        }
        if (error instanceof OllamaUnavailableError) {
          connectFailures += 1;
          if (connectFailures < options.connectAttempts) {
            const delay = options.connectBackoffMs * 4 ** (connectFailures - 1);
            this.log.warn('ollama unreachable, retrying', { attempt: connectFailures, delayMs: delay });
            try {
              await sleep(delay, undefined, { signal });
            } catch {
              return this.stoppedOutcome();
            }
            continue;
          }
          if (this.job.kind === 'generate' && this.content !== '') {
            return { kind: 'failed', code: 'upstream_interrupted', message: error.message };
          }
          return { kind: 'requeue', reason: error.message, backendDown: true };
        }
        if (error instanceof AppError) return { kind: 'failed', code: error.code, message: error.message };
        this.log.error('job failed', errorMeta(error));
        return { kind: 'failed', code: 'internal_error', message: 'The job failed on our side.' };
      }
    }
  }

  private stoppedOutcome(): Outcome {
    switch (this.stopReason) {
      case 'crash':
        return { kind: 'abandon' };
      case 'shutdown':
        return { kind: 'requeue', reason: 'the service is shutting down', backendDown: false };
      case 'inactivity':
        return {
          kind: 'failed',
          code: 'inactivity_timeout',
          message: `The model produced nothing for ${Math.round(this.deps.options.inactivityMs / 1000)} s.`,
        };
      case 'output_limit':
        return {
          kind: 'failed',
          code: 'output_too_large',
          message: `The answer exceeded ${MAX_OUTPUT_CHARS} characters and was stopped.`,
        };
      default:
        return { kind: 'cancelled' };
    }
  }

  private armInactivity(): void {
    clearTimeout(this.inactivityTimer);
    this.inactivityTimer = setTimeout(() => this.stop('inactivity'), this.deps.options.inactivityMs);
  }

  private onChunk(content: string, thinking: string): void {
    this.armInactivity();
    this.firstTokenAt ??= Date.now();
    this.chunks += 1;
    if (thinking !== '') {
      this.thinking += thinking;
      this.publish({ type: 'thinking', text: thinking });
    }
    if (content !== '') {
      this.content += content;
      this.publish({ type: 'token', text: content });
    }
    this.dirty = true;
    if (this.content.length + this.thinking.length > MAX_OUTPUT_CHARS) this.stop('output_limit');
  }

  private request(): StoredRequest {
    return this.job.request as StoredRequest;
  }

  /** The body for Ollama: the stored one, the conversation's history for chat jobs, and the answer so far. */
  private async upstreamBody(): Promise<Record<string, unknown>> {
    const stored = this.request();
    const body: Record<string, unknown> = { ...(stored.body ?? {}) };
    if (this.job.kind !== 'chat') return body;
    let messages = Array.isArray(body.messages) ? (body.messages as { role: string; content: string }[]) : [];
    if (stored.conversation === true && this.job.conversation_id !== null) {
      this.history ??= (
        await chatsRepository.historyForJob(
          this.deps.db,
          this.job.conversation_id,
          this.job.id,
          this.deps.options.historyMessages,
        )
      ).map((m) => ({ role: m.role, content: m.content }));
      messages = this.history;
    }
    messages = withRagContext(messages, stored.rag);
    // Resuming (after a restart or a broken connection): the model continues its own partial answer.
    if (this.content !== '') messages = [...messages, { role: 'assistant', content: this.content }];
    body.messages = messages;
    return body;
  }

  private flush(): Promise<void> {
    if (!this.dirty || this.flushing || this.stopReason === 'crash')
      return this.flushing ?? Promise.resolve();
    this.dirty = false;
    const content = this.content;
    const thinking = this.thinking;
    this.flushing = jobsRepository
      .saveProgress(this.deps.db, this.job.id, content, thinking)
      .catch((error: unknown) => {
        this.dirty = true;
        this.log.warn('progress not saved', errorMeta(error));
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  private finishRow(outcome: Exclude<Outcome, { kind: 'requeue' | 'abandon' }>): FinishRow {
    const result = outcome.kind === 'completed' ? outcome.result : null;
    return {
      status: outcome.kind,
      response: this.content,
      thinking: this.thinking,
      errorCode: outcome.kind === 'failed' ? outcome.code : null,
      error: outcome.kind === 'failed' ? outcome.message.slice(0, 4000) : null,
      promptTokens: result?.promptTokens ?? null,
      completionTokens: result?.completionTokens ?? (outcome.kind === 'completed' ? this.chunks : null),
      promptEvalMs: result?.promptEvalMs ?? null,
      evalMs: result?.evalMs ?? null,
      loadMs: result?.loadMs ?? null,
      doneReason: result?.doneReason ?? null,
    };
  }

  /** Writes the final state (retried, bounded), then tells listeners and the bus. */
  private async settle(outcome: Exclude<Outcome, { kind: 'abandon' }>): Promise<void> {
    const { db } = this.deps;
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (outcome.kind === 'requeue') {
          await db.transaction().execute((trx) =>
            jobsRepository.requeue(trx, this.job.id, {
              resumeFirst: true,
              countRecovery: false,
              response: this.content,
              thinking: this.thinking,
            }),
          );
        } else {
          const row = this.finishRow(outcome);
          await db.transaction().execute(async (trx) => {
            await jobsRepository.finish(trx, this.job.id, this.model, row);
            if (outcome.kind === 'completed') await modelsRepository.touchUsage(trx, this.model);
          });
        }
        break;
      } catch (error) {
        this.log.error('final job state not saved', { attempt, ...errorMeta(error) });
        // Still 'processing' in the database: the next start recovers it.
        if (attempt >= SETTLE_ATTEMPTS) {
          this.finished = true;
          return;
        }
        await sleep(200 * attempt);
      }
    }
    this.finished = true;
    this.announce(outcome);
  }

  private announce(outcome: Exclude<Outcome, { kind: 'abandon' }>): void {
    const durationMs = Date.now() - this.startedAt;
    if (outcome.kind === 'requeue') {
      if (outcome.backendDown) {
        this.deps.onBackendDown(outcome.reason);
        this.publish({ type: 'backend_unavailable', reason: outcome.reason });
      }
      return;
    }
    const result = outcome.kind === 'completed' ? outcome.result : null;
    const completionTokens = result?.completionTokens || this.chunks;
    if (outcome.kind === 'completed') {
      const timings: Timings = {
        totalMs: durationMs,
        loadMs: result?.loadMs ?? 0,
        promptEvalMs: result?.promptEvalMs ?? 0,
        evalMs: result?.evalMs ?? 0,
        tokensPerSecond:
          result && result.evalMs > 0 && completionTokens > 0
            ? Math.round((completionTokens / result.evalMs) * 10_000) / 10
            : null,
      };
      if (this.job.kind !== 'embed') {
        this.deps.throughput.record({
          model: this.model,
          completionTokens,
          evalMs: result?.evalMs ?? 0,
          totalMs: durationMs,
        });
      }
      this.publish(
        {
          type: 'done',
          usage: {
            promptTokens: result?.promptTokens ?? 0,
            completionTokens,
            totalTokens: (result?.promptTokens ?? 0) + completionTokens,
          },
          timings,
          doneReason: result?.doneReason ?? null,
        },
        outcome.extras,
      );
    } else if (outcome.kind === 'failed') {
      this.publish({ type: 'error', code: outcome.code, message: outcome.message });
    } else {
      this.publish({ type: 'cancelled' });
    }
    this.deps.publisher.emit('llm.job.finished', {
      jobId: this.job.id,
      model: this.model || 'unknown',
      outcome: outcome.kind,
      promptTokens: result?.promptTokens ?? 0,
      completionTokens: outcome.kind === 'completed' ? completionTokens : this.chunks,
      durationMs,
      source: this.job.source,
      ...(outcome.kind === 'failed' ? { error: outcome.message.slice(0, 4000) } : {}),
    });
  }
}
