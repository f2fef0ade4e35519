import {
  type FormEvent,
  type KeyboardEvent,
  useCallback,
  useEffect,
  useLayoutEffect,
  useRef,
  useState,
} from 'react';
import { useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/errors';
import type { JobStreamEvent as JobEvent, MessageDto } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Button, EmptyState, ErrorNotice, Notice, Spinner } from '../../ui/components';
import { useDebounced, useLoad } from '../../ui/hooks';
import {
  type LiveAnswer,
  applyJobEvent,
  isFinished,
  newAnswer,
  rememberRunningJob,
  runningJob,
  streamAnswer,
} from './chat-stream';
import { ConversationList } from './ConversationList';
import { LiveMessage, StoredMessage, UserMessage } from './MessageView';

/** A broken stream of a job that is still running is followed again this many times. */
const MAX_RECONNECTS = 5;
const UNFINISHED = new Set(['queued', 'streaming']);

export default function ChatPage() {
  const { api } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const navigate = useNavigate();
  const { conversationId } = useParams();
  const [search, setSearch] = useState('');
  const query = useDebounced(search.trim(), 250);
  const conversations = useLoad(
    (signal) => (query ? api.searchConversations(query, signal) : api.conversations()),
    [api, query],
  );
  const models = useLoad(() => api.installedModels(), [api]);
  const messages = useLoad(
    (signal) => (conversationId ? api.messages(conversationId, signal) : Promise.resolve([] as MessageDto[])),
    [api, conversationId],
  );
  const [model, setModel] = useState('');
  const [draft, setDraft] = useState('');
  const [live, setLive] = useState<LiveAnswer | null>(null);
  const [sendError, setSendError] = useState<unknown>();
  const stream = useRef<AbortController | null>(null);
  const stopRequested = useRef(false);
  const here = useRef(conversationId);
  here.current = conversationId;
  const reloadConversations = conversations.reload;
  const reloadMessages = messages.reload;

  /** Runs one job stream to its end, following the job again when the connection breaks. */
  const run = useCallback(
    async (
      request:
        | { kind: 'start'; conversationId?: string; message: string; model?: string }
        | { kind: 'follow'; jobId: string },
      initial: LiveAnswer,
    ) => {
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
          // A new conversation got its id: show it in the address, so a reload comes back here.
          if (!here.current && state.conversationId) {
            void navigate(`/chat/${state.conversationId}`, { replace: true });
            reloadConversations();
          }
        }
        if (isFinished(state)) rememberRunningJob(null);
        setLive(state);
      };
      let attempt = 0;
      let current = request;
      for (;;) {
        try {
          await streamAnswer(api, current, onEvent, controller.signal);
          if (isFinished(state) || controller.signal.aborted) break;
          // The server closed without a terminal event (e.g. a restart): follow again.
          throw new Error('stream ended early');
        } catch (error) {
          if (controller.signal.aborted) return;
          if (error instanceof ApiError && error.status !== 0 && !(error.status >= 500 && state.jobId)) {
            if (error.status === 404 && current.kind === 'follow') {
              rememberRunningJob(null);
              setLive(null);
              reloadMessages();
              return;
            }
            state = { ...state, phase: 'error', error: { code: error.code, message: error.message } };
            setLive(state);
            rememberRunningJob(null);
            return;
          }
          if (!state.jobId || attempt >= MAX_RECONNECTS) {
            state = { ...state, phase: 'error', error: { code: 'stream_broken', message: String(error) } };
            setLive(state);
            return;
          }
          attempt += 1;
          const jobId = state.jobId;
          state = { ...state, phase: 'disconnected' };
          setLive(state);
          await new Promise((resolve) => setTimeout(resolve, Math.min(8000, 500 * 2 ** attempt)));
          if (controller.signal.aborted) return;
          current = { kind: 'follow', jobId };
        }
      }
      if (controller.signal.aborted) return;
      reloadConversations();
      reloadMessages();
    },
    [api, navigate, reloadConversations, reloadMessages],
  );

  // After a reload in the middle of an answer: follow the job that was running.
  useEffect(() => {
    const job = runningJob();
    if (!job) return;
    if (job.conversationId && job.conversationId !== here.current)
      void navigate(`/chat/${job.conversationId}`, { replace: true });
    void run(
      { kind: 'follow', jobId: job.jobId },
      { ...newAnswer(null, job.conversationId, null), jobId: job.jobId, phase: 'running' },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, on arrival
  }, []);

  // A conversation whose last answer is still being written (another tab, lost session storage): follow it.
  useEffect(() => {
    const last = messages.data?.[messages.data.length - 1];
    if (!last || last.role !== 'assistant' || !last.jobId || !UNFINISHED.has(last.status)) return;
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
    // eslint-disable-next-line react-hooks/exhaustive-deps -- reacts to loaded messages only
  }, [messages.data]);

  // Finished answers are replaced by the stored message once it is loaded.
  useEffect(() => {
    if (live?.phase !== 'done' && live?.phase !== 'cancelled') return;
    if (messages.data?.some((m) => m.jobId === live.jobId && !UNFINISHED.has(m.status))) setLive(null);
  }, [messages.data, live]);

  useEffect(() => () => stream.current?.abort(), []);

  const busy = live !== null && !isFinished(live);
  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    const message = draft.trim();
    if (!message || busy) return;
    setSendError(undefined);
    setDraft('');
    await run(
      {
        kind: 'start',
        message,
        ...(conversationId ? { conversationId } : {}),
        ...(model ? { model } : {}),
      },
      newAnswer(message, conversationId ?? null, model || null),
    );
  };

  const stop = async () => {
    stopRequested.current = true;
    if (!live?.jobId) return;
    try {
      await api.cancelJob(live.jobId);
    } catch (error) {
      setSendError(error);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  // Keep the newest text in view while it streams, unless the reader scrolled up.
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  });

  const showLive = live !== null && (live.conversationId ?? undefined) === conversationId;
  const shown = (messages.data ?? []).filter(
    (m) => !(showLive && live && (m.jobId === live.jobId || m.id === live.assistantMessageId)),
  );
  const questionStored = showLive && live?.userMessageId && shown.some((m) => m.id === live.userMessageId);
  const installed = models.data?.items.filter((m) => m.status === 'available') ?? [];
  const defaultModel = installed.find((m) => m.isDefault);

  return (
    <div className="chat-page">
      <ConversationList
        items={conversations.data}
        searching={query !== ''}
        search={search}
        onSearch={setSearch}
        activeId={conversationId}
        error={conversations.error}
        onNew={() => {
          void navigate('/chat');
          setLive((current) => (current && isFinished(current) ? null : current));
        }}
        onRename={async (id, title) => {
          await api.renameConversation(id, title);
          conversations.reload();
        }}
        onDelete={async (id) => {
          await api.deleteConversation(id);
          conversations.reload();
          if (id === conversationId) void navigate('/chat');
        }}
      />
      <section className="chat-main" aria-label={t('chat.conversation')}>
        <header className="chat-header">
          <h1 className="chat-title">
            {conversations.data?.find((c) => c.id === conversationId)?.title ??
              t(conversationId ? 'chat.untitled' : 'chat.new')}
          </h1>
          <label className="model-picker">
            <span>{t('chat.model')}</span>
            <select
              value={model}
              onChange={(e) => setModel(e.target.value)}
              data-testid="model-picker"
              disabled={busy}
            >
              <option value="">
                {defaultModel
                  ? t('chat.defaultModelNamed', { name: defaultModel.name })
                  : t('chat.defaultModel')}
              </option>
              {installed.map((m) => (
                <option key={m.name} value={m.name}>
                  {m.catalog?.name ? `${m.catalog.name} (${m.name})` : m.name}
                  {m.isDefault ? ` · ${t('chat.default')}` : ''}
                </option>
              ))}
            </select>
          </label>
        </header>
        {models.data?.backend === 'down' && <Notice kind="warning">{t('chat.backendDown')}</Notice>}
        <div
          className="chat-scroll"
          ref={scroller}
          onScroll={(e) => {
            const el = e.currentTarget;
            pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
          }}
          data-testid="chat-messages"
          aria-live="off"
        >
          {messages.error !== undefined && <ErrorNotice error={messages.error} onRetry={messages.reload} />}
          {conversationId && messages.loading && !messages.data && <Spinner label={t('common.loading')} />}
          {!conversationId && !showLive && (
            <EmptyState title={t('chat.emptyTitle')}>
              <p className="muted">{t('chat.emptyHint')}</p>
            </EmptyState>
          )}
          {shown.map((m) => (
            <StoredMessage key={m.id} message={m} />
          ))}
          {showLive && live && live.question && !questionStored && <UserMessage text={live.question} />}
          {showLive && live && <LiveMessage answer={live} />}
        </div>
        <form className="composer" onSubmit={(e) => void send(e)}>
          {sendError !== undefined && <ErrorNotice error={sendError} />}
          {busy && !showLive && <Notice kind="info">{t('chat.busyElsewhere')}</Notice>}
          <div className="composer-row">
            <textarea
              className="input composer-input"
              rows={2}
              value={draft}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={onKeyDown}
              placeholder={t('chat.placeholder')}
              aria-label={t('chat.placeholder')}
              data-testid="chat-input"
            />
            {busy ? (
              <Button variant="danger" onClick={() => void stop()} data-testid="chat-stop">
                {t('chat.stop')}
              </Button>
            ) : (
              <Button type="submit" variant="primary" disabled={!draft.trim()} data-testid="chat-send">
                {t('chat.send')}
              </Button>
            )}
          </div>
          <p className="muted small">{t('chat.hint')}</p>
        </form>
      </section>
    </div>
  );
}
