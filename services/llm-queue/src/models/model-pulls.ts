import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { ModelPullEvent } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { AppError, ConflictError, type Logger, errorMeta } from '@arasul/service-kit';
import type { OllamaClient, PullProgress } from '../clients/ollama.client';
import { PullFailedError } from './models.errors';
import { modelsRepository } from './models.repository';

/** The wire shape comes from `@arasul/contracts`. */
export type PullEvent = ModelPullEvent;

export type PullListener = (event: PullEvent) => void;

export interface PullOptions {
  stallMs: number;
  /** Checks of /api/tags after `success` before the pull counts as failed. */
  listedChecks?: number;
  listedCheckDelayMs?: number;
  /** Called after success, to bring llm_installed_models in line with Ollama. */
  reconcile: () => Promise<void>;
}

const LOCK_TTL_MS = 60_000;
const PROGRESS_WRITE_MS = 1000;
const MAX_LISTENERS = 100;

/**
 * One pull of one model, detached from whoever asked: Ollama cancels a pull when its client disconnects, so
 * the pull runs here and any number of HTTP clients watch it. It fails when no progress line arrives for
 * `stallMs`, and succeeds only once the model is listed by /api/tags.
 */
class Pull {
  readonly listeners = new Set<PullListener>();
  last: PullEvent | null = null;
  readonly done: Promise<void>;
  private readonly controller = new AbortController();
  private stallTimer: NodeJS.Timeout | undefined;
  private lastWriteAt = 0;

  constructor(
    readonly model: string,
    private readonly deps: {
      db: Kysely<Database>;
      ollama: OllamaClient;
      logger: Logger;
      options: PullOptions;
    },
    onEnd: () => void,
  ) {
    this.done = this.run().finally(onEnd);
  }

  cancel(): void {
    this.controller.abort(new Error('pull cancelled'));
  }

  private emit(event: PullEvent): void {
    this.last = event;
    for (const listener of [...this.listeners]) listener(event);
  }

  private armStall(): void {
    clearTimeout(this.stallTimer);
    this.stallTimer = setTimeout(
      () => this.controller.abort(new PullFailedError('pull_stalled', this.stallMessage())),
      this.deps.options.stallMs,
    );
  }

  private stallMessage(): string {
    return `The download of "${this.model}" made no progress for ${Math.round(this.deps.options.stallMs / 1000)} s.`;
  }

  private async run(): Promise<void> {
    const { db, ollama, options, logger } = this.deps;
    const signal = this.controller.signal;
    try {
      await modelsRepository.markDownloading(db, this.model, 0);
      this.armStall();
      await ollama.pull(this.model, signal, (progress) => this.onProgress(progress));
      clearTimeout(this.stallTimer);
      const checks = options.listedChecks ?? 5;
      for (let i = 0; i < checks; i += 1) {
        const tags = await ollama.tags(signal);
        if (tags.some((t) => t.name === this.model)) {
          await options.reconcile();
          this.emit({ type: 'done', model: this.model });
          return;
        }
        await sleep(options.listedCheckDelayMs ?? 500, undefined, { signal });
      }
      throw new PullFailedError(
        'pull_not_listed',
        `Ollama reported success, but "${this.model}" is not listed.`,
      );
    } catch (error) {
      clearTimeout(this.stallTimer);
      const reason: unknown = signal.aborted ? signal.reason : error;
      const appError =
        reason instanceof AppError
          ? reason
          : new PullFailedError('pull_failed', `The pull of "${this.model}" failed.`);
      logger.warn('model pull failed', { model: this.model, code: appError.code, ...errorMeta(reason) });
      await modelsRepository.markPullFailed(db, this.model, appError.message).catch(() => undefined);
      this.emit({ type: 'error', code: appError.code, message: appError.message });
    }
  }

  private onProgress(progress: PullProgress): void {
    this.armStall();
    const total = progress.total ?? null;
    const completed = progress.completed ?? null;
    const percent = total && completed !== null ? Math.min(100, Math.floor((completed / total) * 100)) : null;
    this.emit({ type: 'progress', status: progress.status, completed, total, percent });
    const now = Date.now();
    if (percent !== null && now - this.lastWriteAt >= PROGRESS_WRITE_MS) {
      this.lastWriteAt = now;
      void modelsRepository.markDownloading(this.deps.db, this.model, percent).catch(() => undefined);
    }
  }
}

/** At most one pull per model: in this process by a map, across instances by a Redis lock. */
export class PullManager {
  private readonly pulls = new Map<string, Pull>();
  private readonly owner = randomUUID();
  private readonly log: Logger;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly ollama: OllamaClient,
    private readonly redis: Redis,
    private readonly options: PullOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'pulls' });
  }

  active(): string[] {
    return [...this.pulls.keys()];
  }

  /** Starts a pull of `model`, or joins the running one. The listener first gets the latest progress. */
  async start(model: string, listener?: PullListener): Promise<{ joined: boolean; unsubscribe: () => void }> {
    let pull = this.pulls.get(model);
    const joined = pull !== undefined;
    if (!pull) {
      const lockKey = `llm:pull:${model}`;
      const locked = await this.redis.set(lockKey, this.owner, 'PX', LOCK_TTL_MS, 'NX');
      if (locked !== 'OK') {
        throw new ConflictError(`"${model}" is being pulled by another instance.`, 'pull_in_progress');
      }
      const renew = setInterval(
        () => void this.redis.pexpire(lockKey, LOCK_TTL_MS).catch(() => undefined),
        LOCK_TTL_MS / 3,
      );
      pull = new Pull(
        model,
        { db: this.db, ollama: this.ollama, logger: this.log, options: this.options },
        () => {
          clearInterval(renew);
          this.pulls.delete(model);
          void this.redis.del(lockKey).catch(() => undefined);
        },
      );
      this.pulls.set(model, pull);
    }
    const current = pull;
    if (!listener) return { joined, unsubscribe: () => undefined };
    if (current.listeners.size >= MAX_LISTENERS) {
      throw new ConflictError(`Too many clients watch the pull of "${model}".`, 'too_many_listeners');
    }
    if (current.last) listener(current.last);
    current.listeners.add(listener);
    return { joined, unsubscribe: () => current.listeners.delete(listener) };
  }

  async stopAll(): Promise<void> {
    const pulls = [...this.pulls.values()];
    for (const pull of pulls) pull.cancel();
    await Promise.all(pulls.map((p) => p.done));
  }
}
