import type { EventPublisher } from '@arasul/service-kit';
import type { Logger } from '@arasul/service-kit';
import { type JobRow, type QueueStore, type RecoveryDecision, finishWithoutResult } from './scheduler.port';

const INTERRUPTED = 'The service restarted while this job was running.';

/**
 * What happens to a job a previous instance left behind: a running job goes back to the front of the queue
 * with its text, at most `maxRecoveries` times, then fails with its partial text; a job whose answer went
 * only to a (now disconnected) HTTP caller fails.
 */
export function recoveryDecision(
  job: JobRow,
  state: 'running' | 'waiting',
  maxRecoveries: number,
): RecoveryDecision {
  if (state === 'waiting') {
    return {
      requeue: false,
      finish: finishWithoutResult(
        { response: '', thinking: '' },
        'failed',
        'interrupted',
        'The service restarted while this job waited; its caller was disconnected.',
      ),
    };
  }
  if (!job.bound_to_caller && job.recovery_count < maxRecoveries) return { requeue: true };
  return {
    requeue: false,
    finish: finishWithoutResult(
      job,
      'failed',
      'interrupted',
      job.bound_to_caller
        ? `${INTERRUPTED} Its caller was disconnected.`
        : `${INTERRUPTED} It was interrupted ${job.recovery_count + 1} times and is not retried again.`,
    ),
  };
}

/** Runs once this instance became the leader: every orphan is requeued or failed, and the bus is told. */
export async function recoverOrphans(
  store: QueueStore,
  publisher: EventPublisher,
  logger: Logger,
  maxRecoveries: number,
): Promise<void> {
  const { failed, requeued } = await store.recover((job, state) =>
    recoveryDecision(job, state, maxRecoveries),
  );
  for (const job of failed) {
    publisher.emit('llm.job.finished', {
      jobId: job.id,
      model: job.model ?? 'unknown',
      outcome: 'failed',
      promptTokens: 0,
      completionTokens: 0,
      durationMs: 0,
      source: job.source,
      error: 'interrupted by a restart',
    });
  }
  if (failed.length > 0 || requeued > 0) logger.warn('recovered jobs', { requeued, failed: failed.length });
}
