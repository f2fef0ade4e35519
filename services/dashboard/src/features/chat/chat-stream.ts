import type { Api } from '../../api/endpoints';
import { readSse } from '../../api/sse';
import { type JobStreamEvent as JobEvent, type RagSource, jobStreamEventSchema } from '@arasul/contracts';

/** An answer being produced: what the job stream has told us so far. */
export interface LiveAnswer {
  jobId: string | null;
  conversationId: string | null;
  userMessageId: string | null;
  assistantMessageId: string | null;
  /** The question as typed, shown until the stored message is loaded. */
  question: string | null;
  phase:
    | 'sending'
    | 'queued'
    | 'backend_unavailable'
    | 'loading_model'
    | 'running'
    | 'done'
    | 'cancelled'
    | 'error'
    | 'disconnected';
  position: number | null;
  etaSeconds: number | null;
  model: string | null;
  content: string;
  thinking: string;
  error: { code: string; message: string } | null;
  tokensPerSecond: number | null;
  /** A RAG answer's sources (sent before the first token); null for a plain chat. */
  sources: RagSource[] | null;
}

export function newAnswer(
  question: string | null,
  conversationId: string | null,
  model: string | null,
): LiveAnswer {
  return {
    jobId: null,
    conversationId,
    userMessageId: null,
    assistantMessageId: null,
    question,
    phase: 'sending',
    position: null,
    etaSeconds: null,
    model,
    content: '',
    thinking: '',
    error: null,
    tokensPerSecond: null,
    sources: null,
  };
}

export function isFinished(answer: LiveAnswer): boolean {
  return answer.phase === 'done' || answer.phase === 'cancelled' || answer.phase === 'error';
}

/** Folds one job event into the answer (pure: the chat page and the unit tests use the same function). */
export function applyJobEvent(state: LiveAnswer, event: JobEvent): LiveAnswer {
  const base = event.jobId && !state.jobId ? { ...state, jobId: event.jobId } : state;
  switch (event.type) {
    case 'queued':
      return {
        ...base,
        phase: event.status === 'backend_unavailable' ? 'backend_unavailable' : 'queued',
        position: event.position,
        etaSeconds: event.etaSeconds,
        conversationId: event.conversationId ?? base.conversationId,
        userMessageId: event.userMessageId ?? base.userMessageId,
        assistantMessageId: event.assistantMessageId ?? base.assistantMessageId,
        model: event.model ?? base.model,
      };
    case 'backend_unavailable':
      return { ...base, phase: 'backend_unavailable' };
    case 'model_loading':
      return { ...base, phase: 'loading_model', model: event.model };
    case 'started':
      return { ...base, phase: 'running', model: event.model, position: null, etaSeconds: null };
    case 'token':
      return { ...base, phase: 'running', content: base.content + event.text };
    case 'thinking':
      return { ...base, phase: 'running', thinking: base.thinking + event.text };
    case 'sources':
      return { ...base, sources: event.sources };
    case 'snapshot':
      return {
        ...base,
        phase: phaseOfStatus(event.status, base.phase),
        model: event.model ?? base.model,
        content: event.content,
        thinking: event.thinking,
      };
    case 'done':
      return { ...base, phase: 'done', tokensPerSecond: event.timings.tokensPerSecond };
    case 'cancelled':
      return { ...base, phase: 'cancelled' };
    case 'error':
      return { ...base, phase: 'error', error: { code: event.code, message: event.message } };
    default:
      return base;
  }
}

function phaseOfStatus(status: string, current: LiveAnswer['phase']): LiveAnswer['phase'] {
  switch (status) {
    case 'queued':
      return 'queued';
    case 'backend_unavailable':
      return 'backend_unavailable';
    case 'running':
      return 'running';
    default:
      // completed/failed/cancelled: the terminal event that follows says which, with details.
      return current === 'sending' ? 'running' : current;
  }
}

// ---------------------------------------------------------------- the running job, across reloads
const RUNNING_KEY = 'arasul.chat.running';

export interface RunningJob {
  jobId: string;
  conversationId: string | null;
}

export function rememberRunningJob(job: RunningJob | null): void {
  try {
    if (job) sessionStorage.setItem(RUNNING_KEY, JSON.stringify(job));
    else sessionStorage.removeItem(RUNNING_KEY);
  } catch {
    // Without storage a reload shows the stored (partial) message instead of continuing live.
  }
}

export function runningJob(): RunningJob | null {
  try {
    const raw = sessionStorage.getItem(RUNNING_KEY);
    if (!raw) return null;
    const value = JSON.parse(raw) as Partial<RunningJob>;
    return typeof value.jobId === 'string'
      ? {
          jobId: value.jobId,
          conversationId: typeof value.conversationId === 'string' ? value.conversationId : null,
        }
      : null;
  } catch {
    return null;
  }
}

/**
 * Reads a job's event stream to its end. Resolves on the terminal event or when the server closes the
 * stream; rejects on a broken connection (the caller decides whether to follow the job again).
 */
export async function consumeJobStream(
  response: Response,
  onEvent: (event: JobEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  await readSse(
    response,
    (sse) => {
      let data: unknown;
      try {
        data = JSON.parse(sse.data);
      } catch {
        return;
      }
      // Events this dashboard does not know yet (a newer service) are skipped, not guessed at.
      const event = jobStreamEventSchema.safeParse(data);
      if (event.success) onEvent(event.data);
    },
    signal,
  );
}

/** Starts a chat job or follows one again, and streams its events into `onEvent` until it ends. */
export async function streamAnswer(
  api: Api,
  request:
    | {
        kind: 'start';
        conversationId?: string;
        message: string;
        model?: string;
        /** null: a plain answer that ends the conversation's remembered setting. */
        rag?: { spaceIds?: string[] } | null;
      }
    | { kind: 'follow'; jobId: string },
  onEvent: (event: JobEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  const response =
    request.kind === 'start'
      ? await api.startChat(
          {
            message: request.message,
            ...(request.conversationId ? { conversationId: request.conversationId } : {}),
            ...(request.model ? { model: request.model } : {}),
            ...(request.rag === undefined ? {} : { rag: request.rag }),
          },
          signal,
        )
      : await api.followJob(request.jobId, signal);
  await consumeJobStream(response, onEvent, signal);
}
