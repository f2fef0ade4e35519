/** Why and until when batch work is paused; `null` while it runs. */
export interface BatchPause {
  reason: string;
  since: Date;
  until: Date;
}

/**
 * Holds batch work back while the box is short of memory (asked by the self-healing agent). A pause always
 * ends by itself at `until`, so an agent that dies mid-incident cannot leave batch work stopped for good.
 */
export class BatchGate {
  private pause: BatchPause | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  current(): BatchPause | null {
    if (this.pause !== null && this.pause.until.getTime() <= this.now()) this.pause = null;
    return this.pause;
  }

  get paused(): boolean {
    return this.current() !== null;
  }

  /** Pauses (or extends the pause) for `forMs` from now. */
  hold(reason: string, forMs: number): BatchPause {
    const since = this.current()?.since ?? new Date(this.now());
    this.pause = { reason, since, until: new Date(this.now() + forMs) };
    return this.pause;
  }

  /** Returns whether it was paused. */
  release(): boolean {
    const was = this.paused;
    this.pause = null;
    return was;
  }
}
