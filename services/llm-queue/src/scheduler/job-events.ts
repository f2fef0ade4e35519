import type { JobEvent as WireJobEvent } from '@arasul/contracts';
import { UnavailableError } from '@arasul/service-kit';

/**
 * The event vocabulary of a job's stream, as the contract declares it (SSE `data:` lines carry these as
 * JSON). The hub never carries `heartbeat`: the stream writer adds it.
 */
export type JobEvent = Exclude<WireJobEvent, { type: 'heartbeat' }>;
export type Usage = Extract<JobEvent, { type: 'done' }>['usage'];
export type Timings = Extract<JobEvent, { type: 'done' }>['timings'];

export type TerminalEvent = Extract<JobEvent, { type: 'done' | 'error' | 'cancelled' }>;

export function isTerminal(event: JobEvent): event is TerminalEvent {
  return event.type === 'done' || event.type === 'error' || event.type === 'cancelled';
}

/** In-process extras of a finished job that never go on the wire (the facades need them). */
export interface JobResultExtras {
  embeddings?: number[][];
  /** The final Ollama chunk as received (the Ollama facade passes `context` etc. through). */
  raw?: Record<string, unknown>;
}

export type JobListener = (event: JobEvent, extras?: JobResultExtras) => void;

const MAX_LISTENERS_PER_JOB = 1000;
const MAX_JOBS_WITH_LISTENERS = 100_000;

/**
 * Fan-out of job events to any number of listeners per job (SSE streams, waiting API callers). Events are
 * delivered synchronously in publish order, so a listener that took a snapshot of the job in the same tick
 * it subscribed misses nothing and sees nothing twice.
 */
export class JobHub {
  private readonly listeners = new Map<string, Set<JobListener>>();

  subscribe(jobId: string, listener: JobListener): () => void {
    let set = this.listeners.get(jobId);
    if (!set) {
      if (this.listeners.size >= MAX_JOBS_WITH_LISTENERS) {
        throw new UnavailableError('Too many open job streams.', 'too_many_streams');
      }
      set = new Set();
      this.listeners.set(jobId, set);
    }
    if (set.size >= MAX_LISTENERS_PER_JOB) {
      throw new UnavailableError('Too many listeners on this job.', 'too_many_listeners');
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(jobId) === set) this.listeners.delete(jobId);
    };
  }

  publish(jobId: string, event: JobEvent, extras?: JobResultExtras): void {
    const set = this.listeners.get(jobId);
    if (!set) return;
    for (const listener of [...set]) listener(event, extras);
  }

  hasListeners(jobId: string): boolean {
    return (this.listeners.get(jobId)?.size ?? 0) > 0;
  }

  /** Jobs somebody listens to (for position updates). */
  watchedJobs(): string[] {
    return [...this.listeners.keys()];
  }
}
