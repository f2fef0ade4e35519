import { type Logger, errorMeta } from '@arasul/service-kit';
import type { JobHub } from './job-events';
import type { QueueView } from './queue-view';

/** How long position changes are gathered before one round of `queued` events goes out. */
const COALESCE_MS = 20;

/**
 * Tells every listener of a waiting job its position and ETA when they change: changes are coalesced, and
 * a listener hears only what differs from what it was told last.
 */
export class PositionNotifier {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly lastSent = new Map<string, string>();

  constructor(
    private readonly hub: JobHub,
    private readonly view: () => Promise<QueueView>,
    private readonly logger: Logger,
  ) {}

  /** Positions are about to change: tell the listeners soon. */
  changed(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.publish().catch((error: unknown) => this.logger.warn('positions not published', errorMeta(error)));
    }, COALESCE_MS);
  }

  /** A job started: whatever it was told while waiting no longer matters. */
  forget(jobId: string): void {
    this.lastSent.delete(jobId);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async publish(): Promise<void> {
    const watched = new Set(this.hub.watchedJobs());
    if (watched.size === 0) return;
    const view = await this.view();
    const status = view.backend.status === 'down' ? 'backend_unavailable' : 'waiting';
    for (const entry of view.waiting) {
      const jobId = entry.row.job_id;
      if (!watched.has(jobId)) continue;
      const key = `${entry.position}|${entry.etaSeconds}|${status}`;
      if (this.lastSent.get(jobId) === key) continue;
      this.lastSent.set(jobId, key);
      this.hub.publish(jobId, {
        type: 'queued',
        position: entry.position,
        etaSeconds: entry.etaSeconds,
        status,
      });
    }
    for (const jobId of this.lastSent.keys()) if (!watched.has(jobId)) this.lastSent.delete(jobId);
  }
}
