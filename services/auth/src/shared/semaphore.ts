import { E_TIMEOUT, Semaphore as AsyncSemaphore, type SemaphoreInterface, withTimeout } from 'async-mutex';

/**
 * Bounds how many expensive operations run at once (argon2 hashes). Callers beyond `max` wait in a FIFO
 * queue of at most `maxQueue`; a caller that finds the queue full, or waits longer than `maxWaitMs`, gets
 * the error from `busy()` at once instead of piling up latency for everyone. The waiting itself is
 * async-mutex's semaphore (FIFO, with its timeout); this adds the bound on the queue and the counters.
 */
export class Semaphore {
  private active = 0;
  private queued = 0;
  private readonly slots: SemaphoreInterface;

  constructor(
    max: number,
    private readonly maxQueue: number,
    maxWaitMs: number,
    private readonly busy: () => Error,
  ) {
    this.slots = withTimeout(new AsyncSemaphore(max), maxWaitMs);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    const mustWait = this.slots.isLocked();
    if (mustWait && this.queued >= this.maxQueue) throw this.busy();
    if (mustWait) this.queued += 1;
    let release: () => void;
    try {
      [, release] = await this.slots.acquire();
    } catch (error) {
      throw error === E_TIMEOUT ? this.busy() : error;
    } finally {
      if (mustWait) this.queued -= 1;
    }
    this.active += 1;
    try {
      return await task();
    } finally {
      this.active -= 1;
      release();
    }
  }

  get stats(): { active: number; queued: number } {
    return { active: this.active, queued: this.queued };
  }
}
