/** What one probe read gives: a value (and where it came from), or why there is none. */
export type ProbeResult<T> = { ok: true; value: T; source?: string } | { ok: false; reason: string };

export function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Runs a probe with a deadline, at most one read at a time. A read that outlives its deadline is reported
 * as unavailable for this cycle; while it still hangs (a sysfs file that never answers), later cycles do
 * not start a second one behind it, so hung reads cannot pile up in the thread pool.
 */
export class BoundedProbe<T> {
  private pending: Promise<unknown> | undefined;

  constructor(
    private readonly name: string,
    private readonly run: (signal: AbortSignal) => Promise<ProbeResult<T>>,
    private readonly timeoutMs: number,
  ) {}

  get busy(): boolean {
    return this.pending !== undefined;
  }

  async read(): Promise<ProbeResult<T>> {
    if (this.pending) return { ok: false, reason: `the previous ${this.name} read has not finished yet` };
    const controller = new AbortController();
    const work = this.run(controller.signal).catch(
      (error: unknown): ProbeResult<T> => ({ ok: false, reason: describeFailure(error) }),
    );
    this.pending = work;
    void work.then(() => {
      this.pending = undefined;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<ProbeResult<T>>((resolve) => {
      timer = setTimeout(() => {
        controller.abort();
        resolve({ ok: false, reason: `${this.name} gave no answer within ${this.timeoutMs} ms` });
      }, this.timeoutMs);
    });
    const result = await Promise.race([work, deadline]);
    clearTimeout(timer);
    return result;
  }
}
