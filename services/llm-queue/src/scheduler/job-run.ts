import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonObject } from '@arasul/db';
import { AppError, type EventPublisher, type Logger, errorMeta } from '@arasul/service-kit';
import { OllamaOutOfMemoryError, OllamaUnavailableError } from '../clients/ollama.client';
import type { JobEvent, JobHub, JobResultExtras } from './job-events';
import {
  type FinalOutcome,
  MAX_OUTPUT_CHARS,
  type Outcome,
  finishedFactOf,
  stoppedOutcome,
  terminalEventOf,
} from './job-outcome';
import { JobWriter } from './job-writer';
import { type StoredRag, withRagContext } from '../rag/rag.prompt';
import type { JobRow, ModelLoader, QueueStore, StopReason, Upstream } from './scheduler.port';
import type { Throughput } from './throughput';

export interface JobRunOptions {
  flushIntervalMs: number;
  inactivityMs: number;
  connectAttempts: number;
  connectBackoffMs: number;
  historyMessages: number;
}

export interface JobRunDeps {
  store: QueueStore;
  upstream: Upstream;
  models: ModelLoader;
  hub: JobHub;
  publisher: EventPublisher;
  throughput: Throughput;
  logger: Logger;
  options: JobRunOptions;
  /** Ollama could not be reached after every attempt: the scheduler stops claiming until it is back. */
  onBackendDown: (reason: string) => void;
  /** The conversation as the model should see it, when the admission already knew it (a new chat). */
  history?: { role: string; content: string }[];
  /** The admission's COMMIT when the job was started before it finished; a failed commit drops the run. */
  committed?: Promise<void>;
}

interface StoredRequest {
  body?: JsonObject;
  conversation?: boolean;
  rag?: StoredRag;
}

/**
 * One job on its way through Ollama: load the model if needed, stream, keep the text in memory for
 * snapshots, have it written every flush interval (`JobWriter`), and end in exactly one final state
 * (`job-outcome.ts`). Connection failures are retried with back-off, an out-of-memory error once after
 * unloading every model; a stopped job's upstream request is aborted at the socket.
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
  private stopMessage: string | null = null;
  /** When the last chunk arrived (progress for the self-healing agent's GPU-hang guard). */
  lastChunkAt: number | null = null;
  private inactivityTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private readonly writer: JobWriter;
  private readonly committed: Promise<void>;
  private finished = false;
  private history: { role: string; content: string }[] | null;

  constructor(
    readonly job: JobRow,
    private readonly deps: JobRunDeps,
  ) {
    this.history = deps.history ?? null;
    this.log = deps.logger.child({ module: 'job', jobId: job.id });
    this.content = job.response ?? '';
    this.thinking = job.thinking ?? '';
    this.committed = deps.committed ?? Promise.resolve();
    // A commit that fails means the job was never stored: stop at once and write nothing.
    this.committed.catch(() => this.stop('crash'));
    this.writer = new JobWriter(job.id, deps.store, this.log, this.committed, () => ({
      content: this.content,
      thinking: this.thinking,
      chunks: this.chunks,
    }));
    this.done = this.run();
  }

  get model(): string {
    return this.job.model ?? '';
  }

  get isFinished(): boolean {
    return this.finished;
  }

  /** Stops the job; the upstream request is aborted at once. The first reason wins. */
  stop(reason: StopReason, message: string | null = null): void {
    if (this.stopReason !== null) return;
    this.stopReason = reason;
    this.stopMessage = message;
    if (reason === 'crash') this.writer.close();
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
    const flusher = setInterval(() => void this.writer.flush(), this.deps.options.flushIntervalMs);
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
    // A stop('crash') may come after the outcome (the admission's commit failed late): write nothing then.
    if (outcome.kind === 'abandon' || this.stopReason === 'crash') {
      this.finished = true;
      return;
    }
    await this.writer.drain();
    const saved = await this.writer.settle(outcome, this.model).catch(() => false);
    this.finished = true;
    if (saved) this.announce(outcome);
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
        if (this.job.kind === 'embed') return await this.embed(signal);
        if (this.job.kind === 'generate' && this.content !== '') {
          return {
            kind: 'failed',
            code: 'upstream_interrupted',
            message: 'The connection to Ollama broke mid-answer and a generate request cannot be resumed.',
          };
        }
        const body = await this.upstreamBody();
        this.armInactivity();
        const result = await this.deps.upstream.generate(
          this.job.kind === 'generate' ? 'generate' : 'chat',
          this.model,
          body,
          signal,
          (chunk) => this.onChunk(chunk.content, chunk.thinking),
        );
        return { kind: 'completed', result, extras: { raw: result.raw } };
      } catch (error) {
        clearTimeout(this.inactivityTimer);
        if (this.stopReason !== null)
          return stoppedOutcome(this.stopReason, options.inactivityMs, this.stopMessage);
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
              return stoppedOutcome(this.stopReason, options.inactivityMs, this.stopMessage);
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

  private async embed(signal: AbortSignal): Promise<Outcome> {
    const answer = await this.deps.upstream.embed(this.request().body ?? {}, this.model, signal);
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

  private armInactivity(): void {
    clearTimeout(this.inactivityTimer);
    this.inactivityTimer = setTimeout(() => this.stop('inactivity'), this.deps.options.inactivityMs);
  }

  private onChunk(content: string, thinking: string): void {
    this.armInactivity();
    this.firstTokenAt ??= Date.now();
    this.lastChunkAt = Date.now();
    this.chunks += 1;
    if (thinking !== '') {
      this.thinking += thinking;
      this.publish({ type: 'thinking', text: thinking });
    }
    if (content !== '') {
      this.content += content;
      this.publish({ type: 'token', text: content });
    }
    this.writer.touch();
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
      if (this.history === null) {
        // The question is part of the admission's transaction: readable once that committed.
        await this.committed;
        this.history = await this.deps.store.historyForJob(
          this.job.conversation_id,
          this.job.id,
          this.deps.options.historyMessages,
        );
      }
      messages = this.history;
    }
    messages = withRagContext(messages, stored.rag);
    // Resuming (after a restart or a broken connection): the model continues its own partial answer.
    if (this.content !== '') messages = [...messages, { role: 'assistant', content: this.content }];
    body.messages = messages;
    return body;
  }

  /** Tells listeners and the bus how the job ended (after its final state is stored). */
  private announce(outcome: FinalOutcome | Extract<Outcome, { kind: 'requeue' }>): void {
    if (outcome.kind === 'requeue') {
      if (outcome.backendDown) {
        this.deps.onBackendDown(outcome.reason);
        this.publish({ type: 'backend_unavailable', reason: outcome.reason });
      }
      return;
    }
    const durationMs = Date.now() - this.startedAt;
    const text = { content: this.content, thinking: this.thinking, chunks: this.chunks };
    if (outcome.kind === 'completed' && this.job.kind !== 'embed') {
      const result = outcome.result;
      this.deps.throughput.record({
        model: this.model,
        completionTokens: result?.completionTokens || this.chunks,
        evalMs: result?.evalMs ?? 0,
        totalMs: durationMs,
      });
    }
    this.publish(
      terminalEventOf(outcome, text, durationMs),
      outcome.kind === 'completed' ? outcome.extras : undefined,
    );
    this.deps.publisher.emit('llm.job.finished', finishedFactOf(this.job, outcome, text, durationMs));
  }
}
