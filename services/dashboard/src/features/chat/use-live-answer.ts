import { useCallback, useEffect, useEffectEvent, useRef, useState } from 'react';
import type { ChatRagOption, JobStreamEvent as JobEvent, MessageDto } from '@arasul/contracts';
import type { Api } from '../../api/endpoints';
import { aborted } from '../../api/aborted';
import { ApiError } from '../../api/errors';
import {
  type LiveAnswer,
  applyJobEvent,
  isFinished,
  newAnswer,
  rememberRunningJob,
  runningJob,
  streamAnswer,
} from './chat-stream';

/** A broken stream of a job that is still running is followed again this many times. */
const MAX_RECONNECTS = 5;
export const UNFINISHED = new Set(['queued', 'streaming']);

type StreamRequest =
  | {
      kind: 'start';
      conversationId?: string;
      message: string;
      model?: string;
      rag?: ChatRagOption | null;
    }
  | { kind: 'follow'; jobId: string };

export interface LiveAnswerOptions {
  api: Api;
  /** The conversation on screen. */
  conversationId: string | undefined;
  /** Its stored messages, once loaded. */
  messages: MessageDto[] | undefined;
  /** Show this conversation (a new one got its id, or a job resumed after a reload belongs to it). */
  openConversation: (id: string) => void;
  /** The list of conversations may have changed (new one, new title, new count). */
  reloadConversations: () => void;
  reloadMessages: () => void;
}

/**
 * The answer being written: starts a chat job or follows a running one, folds its events into one
 * `LiveAnswer`, follows the job again when the connection breaks, and picks up a job that was running
 * when the page was reloaded (session storage) or that another tab started (an unfinished stored message).
 */
export function useLiveAnswer(options: LiveAnswerOptions) {
  const { api, conversationId, messages, openConversation, reloadConversations, reloadMessages } = options;
  const [live, setLive] = useState<LiveAnswer | null>(null);
  const [error, setError] = useState<unknown>();
  const stream = useRef<AbortController | null>(null);
  const stopRequested = useRef(false);
  const here = useRef(conversationId);
  useEffect(() => {
    here.current = conversationId;
  }, [conversationId]);

  /** Runs one job stream to its end, following the job again when the connection breaks. */
  const run = useCallback(
    async (request: StreamRequest, initial: LiveAnswer) => {
      stream.current?.abort();
      const controller = new AbortController();
      stream.current = controller;
      stopRequested.current = false;
      let state = initial;
      setLive(state);
      const onEvent = (event: JobEvent) => {
        const hadJob = state.jobId !== null;
        state = applyJobEvent(state, event);
        if (!hadJob && state.jobId) {
          rememberRunningJob({ jobId: state.jobId, conversationId: state.conversationId });
          if (stopRequested.current) void api.cancelJob(state.jobId).catch(() => undefined);
        }
        // A new conversation got its id: show it in the address, so a reload comes back here. (An answer
        // from the documents that found nothing has no job, only a conversation.)
        if (!here.current && state.conversationId) {
          here.current = state.conversationId;
          openConversation(state.conversationId);
          reloadConversations();
        }
        if (isFinished(state)) rememberRunningJob(null);
        setLive(state);
      };
      let attempt = 0;
      let current = request;
      for (;;) {
        try {
          await streamAnswer(api, current, onEvent, controller.signal);
          if (isFinished(state) || aborted(controller.signal)) break;
          // The server closed without a terminal event (e.g. a restart): follow again.
          throw new Error('stream ended early');
        } catch (failure) {
          if (aborted(controller.signal)) return;
          if (
            failure instanceof ApiError &&
            failure.status !== 0 &&
            !(failure.status >= 500 && state.jobId)
          ) {
            if (failure.status === 404 && current.kind === 'follow') {
              rememberRunningJob(null);
              setLive(null);
              reloadMessages();
              return;
            }
            state = { ...state, phase: 'error', error: { code: failure.code, message: failure.message } };
            setLive(state);
            rememberRunningJob(null);
            return;
          }
          if (!state.jobId || attempt >= MAX_RECONNECTS) {
            state = { ...state, phase: 'error', error: { code: 'stream_broken', message: String(failure) } };
            setLive(state);
            return;
          }
          attempt += 1;
          const jobId = state.jobId;
          state = { ...state, phase: 'disconnected' };
          setLive(state);
          await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 500 * 2 ** attempt)));
          if (aborted(controller.signal)) return;
          current = { kind: 'follow', jobId };
        }
      }
      if (aborted(controller.signal)) return;
      reloadConversations();
      reloadMessages();
    },
    [api, openConversation, reloadConversations, reloadMessages],
  );

  // After a reload in the middle of an answer: follow the job that was running (once, on arrival).
  const resumeRememberedJob = useEffectEvent(() => {
    const job = runningJob();
    if (!job) return;
    if (job.conversationId && job.conversationId !== here.current) openConversation(job.conversationId);
    void run(
      { kind: 'follow', jobId: job.jobId },
      { ...newAnswer(null, job.conversationId, null), jobId: job.jobId, phase: 'running' },
    );
  });
  useEffect(() => {
    resumeRememberedJob();
  }, []);

  // A conversation whose last answer is still being written (another tab, lost session storage): follow it.
  const followUnfinished = useEffectEvent((loaded: MessageDto[] | undefined) => {
    const last = loaded?.[loaded.length - 1];
    if (last?.role !== 'assistant' || !last.jobId || !UNFINISHED.has(last.status)) return;
    if (live && live.jobId === last.jobId) return;
    if (live && !isFinished(live)) return;
    void run(
      { kind: 'follow', jobId: last.jobId },
      {
        ...newAnswer(null, last.conversationId, last.model),
        jobId: last.jobId,
        phase: 'running',
        content: last.content,
      },
    );
  });
  useEffect(() => {
    followUnfinished(messages);
  }, [messages]);

  // Finished answers are replaced by the stored message once it is loaded.
  useEffect(() => {
    if (live?.phase !== 'done' && live?.phase !== 'cancelled') return;
    if (messages?.some((m) => m.jobId === live.jobId && !UNFINISHED.has(m.status))) setLive(null);
  }, [messages, live]);

  useEffect(
    () => () => {
      stream.current?.abort();
    },
    [],
  );

  const busy = live !== null && !isFinished(live);

  /**
   * `rag`: answer from the documents (of these spaces, or all the user may read); `null`: a plain answer
   * that also ends the conversation's remembered setting; absent: the conversation's setting applies.
   */
  const start = async (message: string, model: string, rag?: ChatRagOption | null) => {
    setError(undefined);
    await run(
      {
        kind: 'start',
        message,
        ...(conversationId ? { conversationId } : {}),
        ...(model ? { model } : {}),
        ...(rag === undefined ? {} : { rag }),
      },
      newAnswer(message, conversationId ?? null, model || null),
    );
  };

  const stop = async () => {
    stopRequested.current = true;
    if (!live?.jobId) return;
    try {
      await api.cancelJob(live.jobId);
    } catch (failure) {
      setError(failure);
    }
  };

  /** A new conversation: forget a finished answer (a running one keeps going). */
  const clearFinished = () => {
    setLive((current) => (current && isFinished(current) ? null : current));
  };

  return { live, busy, error, start, stop, clearFinished };
}
