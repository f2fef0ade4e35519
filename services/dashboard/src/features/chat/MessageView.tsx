import { memo } from 'react';
import { describeError, ApiError } from '../../api/errors';
import type { MessageDto, RagSource } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import type { LiveAnswer } from './chat-stream';
import { Markdown } from './Markdown';
import { CitationContext, SourcesPanel } from './Sources';

/** An answer's text with `[n]` as links to its sources, and the sources below it. */
function Cited({
  sources,
  onOpenSource,
  children,
}: {
  sources: RagSource[] | null | undefined;
  onOpenSource: (source: RagSource) => void;
  children: React.ReactNode;
}) {
  if (!sources || sources.length === 0) return <>{children}</>;
  const open = (n: number) => {
    const source = sources.find((s) => s.n === n);
    if (source) onOpenSource(source);
  };
  return (
    <CitationContext.Provider value={{ count: sources.length, open }}>
      {children}
      <SourcesPanel sources={sources} onOpen={onOpenSource} />
    </CitationContext.Provider>
  );
}

function Thinking({ text, open }: { text: string; open: boolean }) {
  const { t } = useI18n();
  if (!text) return null;
  return (
    <details className="thinking" open={open}>
      <summary>{t('chat.thinking')}</summary>
      <div className="thinking-text">{text}</div>
    </details>
  );
}

export function UserMessage({ text }: { text: string }) {
  const { t } = useI18n();
  return (
    <article className="message message-user" aria-label={t('chat.you')}>
      <div className="bubble">{text}</div>
    </article>
  );
}

/** A stored message (finished, or stopped/failed with what it had). */
export const StoredMessage = memo(function StoredMessage({
  message,
  onOpenSource,
}: {
  message: MessageDto;
  onOpenSource: (source: RagSource) => void;
}) {
  const { t } = useI18n();
  if (message.role === 'user') return <UserMessage text={message.content} />;
  return (
    <article className="message message-assistant" aria-label={t('chat.assistant')}>
      <Thinking text={message.thinking ?? ''} open={false} />
      <Cited sources={message.sources} onOpenSource={onOpenSource}>
        {message.content ? <Markdown text={message.content} /> : null}
      </Cited>
      <footer className="message-meta">
        {message.model && <span>{message.model}</span>}
        {message.status === 'cancelled' && <span className="badge badge-warn">{t('chat.stopped')}</span>}
        {message.status === 'failed' && <span className="badge badge-bad">{t('chat.failed')}</span>}
        {(message.status === 'queued' || message.status === 'streaming') && (
          <span className="badge badge-info">{t('chat.inProgress')}</span>
        )}
      </footer>
    </article>
  );
});

/** The answer being produced, with its waiting state in words. */
export function LiveMessage({
  answer,
  onOpenSource,
}: {
  answer: LiveAnswer;
  onOpenSource: (source: RagSource) => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  let status: string | null = null;
  switch (answer.phase) {
    case 'sending':
      status = t('chat.sending');
      break;
    case 'queued':
      status =
        answer.position !== null && answer.position > 0
          ? answer.etaSeconds !== null && answer.etaSeconds > 0
            ? t('chat.queuedEta', { position: answer.position, eta: i18n.duration(answer.etaSeconds) })
            : t('chat.queued', { position: answer.position })
          : t('chat.starting');
      break;
    case 'backend_unavailable':
      status = t('chat.backendWaiting');
      break;
    case 'loading_model':
      status = t('chat.loadingModel', { model: answer.model ?? '' });
      break;
    case 'disconnected':
      status = t('chat.reconnecting');
      break;
    default:
      break;
  }
  const running = answer.phase === 'running';
  const errorText =
    answer.error &&
    describeError(new ApiError({ status: 200, code: answer.error.code, message: answer.error.message }), {
      has: i18n.has,
      t: i18n.tx,
      duration: i18n.duration,
    });
  return (
    <article
      className="message message-assistant live"
      aria-label={t('chat.assistant')}
      aria-busy={running || status !== null}
      data-testid="live-answer"
      data-phase={answer.phase}
    >
      {status && (
        <p className="live-state" role="status" data-testid="live-state">
          <span className="spinner spinner-inline" aria-hidden="true" /> {status}
        </p>
      )}
      <Thinking text={answer.thinking} open={running && answer.content === ''} />
      <Cited sources={answer.sources} onOpenSource={onOpenSource}>
        {answer.content ? (
          <div data-testid="answer-text">
            <Markdown text={answer.content} />
          </div>
        ) : (
          running && (
            <p className="typing" aria-label={t('chat.writing')}>
              <span />
              <span />
              <span />
            </p>
          )
        )}
      </Cited>
      {answer.phase === 'cancelled' && (
        <p className="badge badge-warn" data-testid="answer-stopped">
          {t('chat.stopped')}
        </p>
      )}
      {answer.phase === 'error' && (
        <p className="notice notice-error" role="alert" data-testid="answer-error">
          {errorText}
        </p>
      )}
      {answer.model && (answer.phase === 'running' || answer.phase === 'done') && (
        <footer className="message-meta">
          <span>{answer.model}</span>
          {answer.tokensPerSecond !== null && (
            <span>{t('chat.speed', { rate: i18n.number(answer.tokensPerSecond, 1) })}</span>
          )}
        </footer>
      )}
    </article>
  );
}
