/** More events than an admission can produce before its response opens: a bug, not a burst. */
const MAX_HELD = 10_000;

/**
 * Holds back a job's events until the response they go to is open (the job may start, and even finish,
 * while its admission is still answering), then delivers them in order and passes later ones straight
 * through. The one place every job-streaming route (chat SSE, OpenAI SSE, Ollama NDJSON) does this.
 */
export class EventGate<Args extends unknown[]> {
  private deliver: ((...args: Args) => void) | undefined;
  private readonly held: Args[] = [];

  /** The listener to subscribe before the response exists. */
  readonly push = (...args: Args): void => {
    if (this.deliver) this.deliver(...args);
    else if (this.held.length < MAX_HELD) this.held.push(args);
  };

  get isOpen(): boolean {
    return this.deliver !== undefined;
  }

  /** From now on events go to `deliver`; the held ones first. */
  open(deliver: (...args: Args) => void): void {
    if (this.deliver) return;
    this.deliver = deliver;
    for (const args of this.held.splice(0)) deliver(...args);
  }
}
