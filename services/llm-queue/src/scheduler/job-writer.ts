import { setTimeout as sleep } from 'node:timers/promises';
import { type Logger, errorMeta } from '@arasul/service-kit';
import { type FinalOutcome, type RunText, finishRowOf } from './job-outcome';
import type { QueueStore } from './scheduler.port';

const SETTLE_ATTEMPTS = 5;

/**
 * The database side of one running job: its text so far every flush interval, and its final state once,
 * retried (bounded). Nothing is written before `committed` (the admission's COMMIT when the job started
 * before it) resolved: until then the row is invisible to every other connection.
 */
export class JobWriter {
  private dirty = false;
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly jobId: string,
    private readonly store: QueueStore,
    private readonly logger: Logger,
    private readonly committed: Promise<void>,
    private readonly text: () => RunText,
  ) {}

  /** New text arrived. */
  touch(): void {
    this.dirty = true;
  }

  /** No write at all from now on (the process is going down as after a crash). */
  close(): void {
    this.closed = true;
  }

  flush(): Promise<void> {
    if (!this.dirty || this.flushing || this.closed) return this.flushing ?? Promise.resolve();
    this.dirty = false;
    const { content, thinking } = this.text();
    this.flushing = this.committed
      .then(() => this.store.saveProgress(this.jobId, content, thinking))
      .catch((error: unknown) => {
        this.dirty = true;
        this.logger.warn('progress not saved', errorMeta(error));
      })
      .finally(() => {
        this.flushing = null;
      });
    return this.flushing;
  }

  /** Waits for a progress write in flight. */
  async drain(): Promise<void> {
    await this.flushing;
  }

  /**
   * Writes the final state (or puts the job back in the queue). False when it could not be written: the
   * job stays `processing` in the database and the next start recovers it.
   */
  async settle(outcome: FinalOutcome | { kind: 'requeue' }, model: string | null): Promise<boolean> {
    await this.committed;
    const text = this.text();
    for (let attempt = 1; ; attempt += 1) {
      try {
        if (outcome.kind === 'requeue') {
          await this.store.requeue(this.jobId, { response: text.content, thinking: text.thinking });
        } else {
          await this.store.finish(this.jobId, model, finishRowOf(outcome, text));
        }
        return true;
      } catch (error) {
        this.logger.error('final job state not saved', { attempt, ...errorMeta(error) });
        if (attempt >= SETTLE_ATTEMPTS) return false;
        await sleep(200 * attempt);
      }
    }
  }
}
