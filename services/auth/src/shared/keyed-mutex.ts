import { Mutex } from 'async-mutex';

/**
 * Runs tasks one at a time per key (here: per username), in arrival order (one async-mutex `Mutex` per
 * key). At most `maxWaiting` callers wait per key; one more gets the error from `busy()` at once. Keys
 * with nobody holding or waiting are forgotten, so the map stays as small as the number of usernames
 * being tried right now.
 */
export class KeyedMutex {
  private readonly entries = new Map<string, { mutex: Mutex; users: number }>();

  constructor(
    private readonly maxWaiting: number,
    private readonly busy: () => Error,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { mutex: new Mutex(), users: 0 };
      this.entries.set(key, entry);
    } else if (entry.users - 1 >= this.maxWaiting) {
      // `users` is the holder plus everybody waiting.
      throw this.busy();
    }
    entry.users += 1;
    try {
      return await entry.mutex.runExclusive(task);
    } finally {
      entry.users -= 1;
      if (entry.users === 0) this.entries.delete(key);
    }
  }

  /** Keys currently held. */
  get size(): number {
    return this.entries.size;
  }
}
