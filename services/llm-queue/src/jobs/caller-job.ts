import type { Response } from 'express';
import { AppError } from '@arasul/service-kit';
import { type JobEvent, type JobResultExtras, isTerminal } from '../scheduler/job-events';
import type { AdmitInput, Admission, JobsService } from './jobs.service';

/** HTTP status for a job that failed, as the compatible APIs report it. */
export function statusForJobError(code: string): number {
  switch (code) {
    case 'model_not_installed':
      return 404;
    case 'backend_unavailable':
    case 'interrupted':
    case 'queue_full':
      return 503;
    case 'inactivity_timeout':
      return 504;
    default:
      return 502;
  }
}

export class JobFailedError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, statusForJobError(code), { expose: true });
  }
}

export class JobCancelledError extends AppError {
  constructor() {
    super('cancelled', 'The job was cancelled.', 409);
  }
}

/**
 * Runs a job whose answer goes only to this HTTP caller (OpenAI, Ollama and internal APIs): admitted through
 * the same queue, events handed to `onEvent`, and cancelled (upstream aborted) when the caller disconnects
 * before the end, like Ollama itself does.
 */
export async function runForCaller(
  jobs: JobsService,
  input: Omit<AdmitInput, 'boundToCaller'>,
  res: Response,
  onEvent: (event: JobEvent, extras?: JobResultExtras) => void,
): Promise<Admission> {
  let finished = false;
  // Set once admitted; a terminal event may arrive before that (then we unsubscribe right after).
  const subscription: { unsubscribe?: () => void } = {};
  const admitted = await jobs.admit({ ...input, boundToCaller: true }, (event, extras) => {
    if (isTerminal(event)) {
      finished = true;
      subscription.unsubscribe?.();
    }
    onEvent(event, extras);
  });
  const admission = admitted.admission;
  subscription.unsubscribe = admitted.unsubscribe;
  if (finished) admitted.unsubscribe();
  const callerGone = () => {
    if (finished) return;
    finished = true;
    admitted.unsubscribe();
    void jobs.cancelForCaller(admission.jobId);
  };
  res.on('close', callerGone);
  // The caller may have left while the job was being admitted.
  if (!res.socket || res.socket.destroyed) callerGone();
  return admission;
}

/** Waits for a bound job's end and returns its text; rejects with the job's error. */
export function collectForCaller(
  jobs: JobsService,
  input: Omit<AdmitInput, 'boundToCaller'>,
  res: Response,
): Promise<{
  admission: Admission;
  content: string;
  thinking: string;
  done: Extract<JobEvent, { type: 'done' }>;
  extras: JobResultExtras;
}> {
  return new Promise((resolve, reject) => {
    let content = '';
    let thinking = '';
    let admission: Admission | undefined;
    let ended: { done: Extract<JobEvent, { type: 'done' }>; extras: JobResultExtras } | Error | undefined;
    const settle = () => {
      if (!admission || ended === undefined) return;
      if (ended instanceof Error) reject(ended);
      else resolve({ admission, content, thinking, ...ended });
    };
    runForCaller(jobs, input, res, (event, extras) => {
      if (event.type === 'token') content += event.text;
      else if (event.type === 'thinking') thinking += event.text;
      else if (event.type === 'done') ended = { done: event, extras: extras ?? {} };
      else if (event.type === 'error') ended = new JobFailedError(event.code, event.message);
      else if (event.type === 'cancelled') ended = new JobCancelledError();
      settle();
    }).then((a) => {
      admission = a;
      settle();
    }, reject);
  });
}
