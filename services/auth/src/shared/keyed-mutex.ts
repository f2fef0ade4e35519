/**
 * Runs tasks one at a time per key (here: per username), in arrival order. At most `maxWaiting` callers
 * wait per key; one more gets the error from `busy()` at once. Keys with nobody holding or waiting are
 * forgotten, so the map stays as small as the number of usernames being tried right now.
 */
export class KeyedMutex {
  private readonly entries = new Map<string, { waiting: (() => void)[] }>();

  constructor(
    private readonly maxWaiting: number,
    private readonly busy: () => Error,
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { waiting: [] };
      this.entries.set(key, entry);
    } else {
      if (entry.waiting.length >= this.maxWaiting) throw this.busy();
      const queue = entry.waiting;
      await new Promise<void>((resolve) => queue.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = entry.waiting.shift();
      if (next) next();
      else this.entries.delete(key);
    }
  }

  /** Keys currently held. */
  get size(): number {
    return this.entries.size;
  }
}
