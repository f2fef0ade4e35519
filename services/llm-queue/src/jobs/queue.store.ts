import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { QueueStore } from '../scheduler/scheduler.port';
import { jobsRepository } from './jobs.repository';

/** The scheduler's persistence port over this feature's SQL. */
export function createQueueStore(db: Kysely<Database>): QueueStore {
  return {
    listWaiting: (limit) => jobsRepository.listWaiting(db, limit),
    claim: (jobId) => jobsRepository.claim(db, jobId),
    saveProgress: (jobId, response, thinking) => jobsRepository.saveProgress(db, jobId, response, thinking),
    finish: (jobId, model, row) => jobsRepository.finish(db, jobId, model, row),
    requeue: (jobId, text) =>
      jobsRepository.requeue(db, jobId, { resumeFirst: true, countRecovery: false, ...text }),
    finishIfWaiting: (jobId, build) => jobsRepository.finishIfWaiting(db, jobId, build),
    recover: (decide) => jobsRepository.recover(db, decide),
    historyForJob: (conversationId, jobId, limit) =>
      jobsRepository.historyForJob(db, conversationId, jobId, limit),
  };
}
