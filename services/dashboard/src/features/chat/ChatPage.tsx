import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { useNavigate, useParams } from 'react-router';
import type { ConversationDto, MessageDto, RagSource, SpaceDto } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { EmptyState, ErrorNotice, Notice, Spinner } from '../../ui/components';
import { useDebounced, useLoad } from '../../ui/hooks';
import { ChatHeader } from './ChatHeader';
import { Composer } from './Composer';
import { ConversationList } from './ConversationList';
import { LiveMessage, StoredMessage, UserMessage } from './MessageView';
import { RagOptions } from './RagOptions';
import { ragChoiceOf, ragRequestOf } from './rag-setting';
import { useSourceOpener } from './Sources';
import { useLiveAnswer } from './use-live-answer';

/** Chat: the conversations on the left, the open conversation with its streaming answer on the right. */
export default function ChatPage() {
  const { api } = useApp();
  const { t } = useI18n();
  const navigate = useNavigate();
  const { conversationId } = useParams();
  const [search, setSearch] = useState('');
  const query = useDebounced(search.trim(), 250);
  const conversations = useLoad(
    useCallback(
      (signal: AbortSignal) => (query ? api.searchConversations(query, signal) : api.conversations()),
      [api, query],
    ),
  );
  const models = useLoad(useCallback(() => api.installedModels(), [api]));
  const messages = useLoad(
    useCallback(
      (signal: AbortSignal) =>
        conversationId ? api.messages(conversationId, signal) : Promise.resolve<MessageDto[]>([]),
      [api, conversationId],
    ),
  );
  const [model, setModel] = useState('');
  // "Dokumente verwenden": answer from the documents (all spaces, or one).
  const [useDocuments, setUseDocuments] = useState(false);
  const [ragSpace, setRagSpace] = useState('');
  // An opened conversation shows the setting it remembers (a new chat keeps what the switch says).
  const conversation = useLoad(
    useCallback(
      (signal: AbortSignal) =>
        conversationId
          ? api.conversation(conversationId, signal)
          : Promise.resolve<ConversationDto | null>(null),
      [api, conversationId],
    ),
  );
  // Once per opened conversation: a reload of it (the tab became visible again) keeps what the user set.
  const ragShownFor = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (conversation.data === null) ragShownFor.current = undefined; // a new chat: show it again later
    if (!conversation.data || ragShownFor.current === conversation.data.id) return;
    ragShownFor.current = conversation.data.id;
    const choice = ragChoiceOf(conversation.data);
    setUseDocuments(choice.enabled);
    setRagSpace(choice.space);
  }, [conversation.data]);
  const spaces = useLoad(
    useCallback(
      (signal: AbortSignal) => (useDocuments ? api.ragSpaces(signal) : Promise.resolve<SpaceDto[]>([])),
      [api, useDocuments],
    ),
  );
  const sourceOpener = useSourceOpener();
  const openSourceRef = useRef(sourceOpener.open);
  useLayoutEffect(() => {
    openSourceRef.current = sourceOpener.open;
  });
  const openSource = useCallback((source: RagSource) => void openSourceRef.current(source), []);
  const openConversation = useCallback(
    (id: string) => {
      void navigate(`/chat/${id}`, { replace: true });
    },
    [navigate],
  );
  const answer = useLiveAnswer({
    api,
    conversationId,
    messages: messages.data,
    openConversation,
    reloadConversations: conversations.reload,
    reloadMessages: messages.reload,
  });
  const { live } = answer;

  // Keep the newest text in view while it streams, unless the reader scrolled up.
  const scroller = useRef<HTMLDivElement>(null);
  const pinned = useRef(true);
  useLayoutEffect(() => {
    const element = scroller.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  });

  const showLive = live !== null && (live.conversationId ?? undefined) === conversationId;
  const shown = (messages.data ?? []).filter(
    (m) =>
      !(showLive && ((live.jobId !== null && m.jobId === live.jobId) || m.id === live.assistantMessageId)),
  );
  const questionStored = showLive && live.userMessageId && shown.some((m) => m.id === live.userMessageId);
  const title =
    conversations.data?.find((c) => c.id === conversationId)?.title ??
    t(conversationId ? 'chat.untitled' : 'chat.new');

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
          answer.clearFinished();
        }}
        onRename={async (id, newTitle) => {
          await api.renameConversation(id, newTitle);
          conversations.reload();
        }}
        onDelete={async (id) => {
          await api.deleteConversation(id);
          conversations.reload();
          if (id === conversationId) void navigate('/chat');
        }}
      />
      <section className="chat-main" aria-label={t('chat.conversation')}>
        <ChatHeader
          title={title}
          models={models.data}
          model={model}
          onModel={setModel}
          disabled={answer.busy}
        />
        <RagOptions
          enabled={useDocuments}
          onEnabled={setUseDocuments}
          space={ragSpace}
          onSpace={setRagSpace}
          spaces={spaces.data}
          disabled={answer.busy}
        />
        {sourceOpener.view}
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
            <StoredMessage key={m.id} message={m} onOpenSource={openSource} />
          ))}
          {showLive && live.question && !questionStored && <UserMessage text={live.question} />}
          {showLive && <LiveMessage answer={live} onOpenSource={openSource} />}
        </div>
        <Composer
          busy={answer.busy}
          busyElsewhere={answer.busy && !showLive}
          error={answer.error}
          onSend={(message) =>
            void answer.start(
              message,
              model,
              ragRequestOf(
                { enabled: useDocuments, space: ragSpace },
                (conversation.data?.rag ?? null) !== null,
              ),
            )
          }
          onStop={() => void answer.stop()}
        />
      </section>
    </div>
  );
}
