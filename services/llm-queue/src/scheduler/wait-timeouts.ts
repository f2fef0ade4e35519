import type { EventPublisher } from '@arasul/service-kit';
import type { BackendState } from './backend-monitor';
import type { JobHub } from './job-events';
import { type QueueStore, finishWithoutResult } from './scheduler.port';

/** How many waiting jobs one pass looks at (the oldest). */
const SCAN = 100;

/**
 * While the model server is away, a job that has waited `limitMs` since it went away (or since it was
 * queued, if later) fails with `backend_unavailable`. Returns how many failed.
 */
export async function failLongWaiters(
  deps: { store: QueueStore; hub: JobHub; publisher: EventPublisher },
  backend: BackendState,
  limitMs: number,
): Promise<number> {
  const since = backend.since?.getTime() ?? Date.now();
  const rows = await deps.store.listWaiting(SCAN);
  const now = Date.now();
  const expired = rows.filter((r) => now - Math.max(since, r.created_at.getTime()) >= limitMs);
  const message = `Ollama has been unreachable for too long (${backend.reason ?? 'no answer'}).`;
  let failed = 0;
  for (const row of expired) {
    const job = await deps.store.finishIfWaiting(row.job_id, (locked) =>
      finishWithoutResult(locked, 'failed', 'backend_unavailable', message),
    );
    if (!job) continue;
    failed += 1;
    deps.hub.publish(job.id, { type: 'error', code: 'backend_unavailable', message });
    deps.publisher.emit('llm.job.finished', {
      jobId: job.id,
      model: job.model ?? 'unknown',
      outcome: 'failed',
      promptTokens: 0,
      completionTokens: 0,
      durationMs: 0,
      source: job.source,
      error: message,
    });
  }
  return failed;
}
