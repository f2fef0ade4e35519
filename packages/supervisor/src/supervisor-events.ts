import { EventEmitter } from 'node:events';

/**
 * What the supervisor pushes to the self-healing agent (`GET /events`, server-sent events): a process ended,
 * readiness flipped, the lifecycle state changed, or a service was quarantined/released. Push, not poll, so a
 * crash is seen within milliseconds.
 */
export type SupervisorEvent =
  | {
      type: 'exited';
      service: string;
      code: number | null;
      signal: string | null;
      at: string;
      /** False when the service was stopped on purpose or is quarantined. */
      willRestart: boolean;
      restartInMs: number | null;
    }
  | { type: 'readiness'; service: string; ready: boolean; reason: string | null; at: string }
  | { type: 'state'; service: string; state: string; pid: number | null; at: string }
  | { type: 'quarantine'; service: string; quarantined: boolean; reason: string | null; at: string };

/** A typed, bounded fan-out: listeners that throw never break the supervisor. */
export class SupervisorEvents {
  private readonly emitter = new EventEmitter();

  constructor(maxListeners = 32) {
    this.emitter.setMaxListeners(maxListeners);
  }

  emit(event: SupervisorEvent): void {
    for (const listener of this.emitter.listeners('event') as ((e: SupervisorEvent) => void)[]) {
      try {
        listener(event);
      } catch {
        // a broken subscriber must not stop the supervisor from supervising
      }
    }
  }

  subscribe(listener: (event: SupervisorEvent) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  listenerCount(): number {
    return this.emitter.listenerCount('event');
  }
}
