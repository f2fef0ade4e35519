/** One finished generation, as the ETA needs it. */
export interface ThroughputSample {
  model: string;
  completionTokens: number;
  /** Time spent generating those tokens (Ollama's eval duration), ms. */
  evalMs: number;
  /** Wall time of the whole job, ms. */
  totalMs: number;
}

const WINDOW = 50;
const DEFAULT_TOKENS_PER_SECOND = 20;
const DEFAULT_COMPLETION_TOKENS = 300;
const DEFAULT_SWITCH_SECONDS = 15;

/**
 * Measured speed of recent jobs (a bounded window), for `/api/llm/queue` and the ETA of waiting jobs. Until
 * something was measured, conservative defaults for a Jetson stand in.
 */
export class Throughput {
  private readonly samples: ThroughputSample[] = [];
  private readonly switches: number[] = [];

  record(sample: ThroughputSample): void {
    if (sample.completionTokens <= 0 || sample.totalMs <= 0) return;
    this.samples.push(sample);
    if (this.samples.length > WINDOW) this.samples.shift();
  }

  recordSwitch(durationMs: number): void {
    this.switches.push(durationMs);
    if (this.switches.length > WINDOW) this.switches.shift();
  }

  /** Tokens per second over the window (of `model`, when it has samples); null before any job finished. */
  tokensPerSecond(model?: string): number | null {
    const own = model === undefined ? [] : this.samples.filter((s) => s.model === model);
    const pool = own.length > 0 ? own : this.samples;
    const tokens = pool.reduce((sum, s) => sum + s.completionTokens, 0);
    const ms = pool.reduce((sum, s) => sum + (s.evalMs > 0 ? s.evalMs : s.totalMs), 0);
    return tokens > 0 && ms > 0 ? Math.round((tokens / ms) * 10_000) / 10 : null;
  }

  /** Expected wall time of one job of `model`, in seconds. */
  jobSeconds(model: string): number {
    const own = this.samples.filter((s) => s.model === model);
    const pool = own.length > 0 ? own : this.samples;
    if (pool.length === 0) return DEFAULT_COMPLETION_TOKENS / DEFAULT_TOKENS_PER_SECOND;
    return pool.reduce((sum, s) => sum + s.totalMs, 0) / pool.length / 1000;
  }

  switchSeconds(): number {
    if (this.switches.length === 0) return DEFAULT_SWITCH_SECONDS;
    return this.switches.reduce((sum, v) => sum + v, 0) / this.switches.length / 1000;
  }
}
