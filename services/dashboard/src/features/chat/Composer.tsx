import { type SubmitEvent, type KeyboardEvent, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { Button, ErrorNotice, Notice } from '../../ui/components';

/** The message box: Enter sends, Shift+Enter breaks the line; while an answer runs, Stop replaces Send. */
export function Composer({
  busy,
  busyElsewhere,
  error,
  onSend,
  onStop,
}: {
  busy: boolean;
  /** An answer is being written in another conversation. */
  busyElsewhere: boolean;
  error: unknown;
  onSend: (message: string) => void;
  onStop: () => void;
}) {
  const { t } = useI18n();
  const [draft, setDraft] = useState('');

  const send = (event?: SubmitEvent) => {
    event?.preventDefault();
    const message = draft.trim();
    if (!message || busy) return;
    setDraft('');
    onSend(message);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  };

  return (
    <form className="composer" onSubmit={send}>
      {error !== undefined && <ErrorNotice error={error} />}
      {busyElsewhere && <Notice kind="info">{t('chat.busyElsewhere')}</Notice>}
      <div className="composer-row">
        <textarea
          className="input composer-input"
          rows={2}
          value={draft}
          onChange={(e) => {
            setDraft(e.target.value);
          }}
          onKeyDown={onKeyDown}
          placeholder={t('chat.placeholder')}
          aria-label={t('chat.placeholder')}
          data-testid="chat-input"
        />
        {busy ? (
          <Button variant="danger" onClick={onStop} data-testid="chat-stop">
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
  );
}
