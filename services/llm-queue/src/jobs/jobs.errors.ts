import { NotFoundError, UnavailableError } from '@arasul/service-kit';

export class JobNotFoundError extends NotFoundError {
  constructor() {
    super('No such job.', 'job_not_found');
  }
}

export class QueueFullError extends UnavailableError {
  constructor(maxQueue: number, retryAfterSeconds: number) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      `The LLM queue is full (${maxQueue} jobs waiting). Try again in about ${seconds} s.`,
      'queue_full',
      { headers: { 'Retry-After': String(seconds) }, details: { maxQueue, retryAfterSeconds: seconds } },
    );
  }
}
