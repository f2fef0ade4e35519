import { type SubmitEvent, useState } from 'react';
import { NavLink } from 'react-router';
import type { ConversationDto, ConversationHitDto } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { Icon } from '../../ui/Icon';
import { Button, ErrorNotice, TextInput } from '../../ui/components';
import { ConfirmDialog } from '../../ui/Dialog';

interface Props {
  items: (ConversationDto | ConversationHitDto)[] | undefined;
  searching: boolean;
  search: string;
  onSearch: (text: string) => void;
  activeId: string | undefined;
  onNew: () => void;
  onRename: (id: string, title: string | null) => Promise<void>;
  onDelete: (id: string) => Promise<void>;
  error: unknown;
}

/** The conversations of the signed-in user: search, open, rename, delete. */
export function ConversationList(props: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const [editing, setEditing] = useState<string | null>(null);
  const [title, setTitle] = useState('');
  const [deleting, setDeleting] = useState<ConversationDto | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const saveRename = async (event: SubmitEvent, id: string) => {
    event.preventDefault();
    setBusy(true);
    try {
      await props.onRename(id, title.trim() === '' ? null : title.trim());
      setEditing(null);
      setError(undefined);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  const confirmDelete = async () => {
    if (!deleting) return;
    setBusy(true);
    try {
      await props.onDelete(deleting.id);
      setDeleting(null);
      setError(undefined);
    } catch (reason) {
      setError(reason);
      setDeleting(null);
    } finally {
      setBusy(false);
    }
  };

  return (
    <aside className="conversations" aria-label={t('chat.conversations')}>
      <div className="conversations-head">
        <Button variant="primary" className="btn-block" onClick={props.onNew} data-testid="new-chat">
          {t('chat.new')}
        </Button>
        <TextInput
          type="search"
          placeholder={t('chat.search')}
          aria-label={t('chat.search')}
          value={props.search}
          onChange={(e) => props.onSearch(e.target.value)}
          data-testid="chat-search"
        />
      </div>
      {props.error !== undefined && <ErrorNotice error={props.error} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {props.items?.length === 0 && (
        <p className="muted small pad">{props.searching ? t('chat.noMatches') : t('chat.noConversations')}</p>
      )}
      <ul className="conversation-list" data-testid="conversation-list">
        {props.items?.map((c) => (
          <li key={c.id} className={c.id === props.activeId ? 'active' : ''}>
            {editing === c.id ? (
              <form className="rename-form" onSubmit={(e) => void saveRename(e, c.id)}>
                <TextInput
                  autoFocus
                  aria-label={t('chat.renameLabel')}
                  value={title}
                  maxLength={255}
                  onChange={(e) => setTitle(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Escape') setEditing(null);
                  }}
                />
                <Button type="submit" className="btn-small" busy={busy}>
                  {t('common.save')}
                </Button>
              </form>
            ) : (
              <>
                <NavLink to={`/chat/${c.id}`} className="conversation-link">
                  <span className="conversation-title">{c.title ?? t('chat.untitled')}</span>
                  {'snippet' in c && c.snippet ? (
                    <span className="conversation-snippet">{c.snippet}</span>
                  ) : (
                    <span className="conversation-meta">{i18n.relative(c.updatedAt)}</span>
                  )}
                </NavLink>
                <div className="conversation-actions">
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={t('chat.rename', { title: c.title ?? t('chat.untitled') })}
                    title={t('chat.renameShort')}
                    onClick={() => {
                      setEditing(c.id);
                      setTitle(c.title ?? '');
                    }}
                  >
                    <Icon path="M4 20h4L19 9l-4-4L4 16zM13.5 6.5l4 4" />
                  </button>
                  <button
                    type="button"
                    className="icon-button"
                    aria-label={t('chat.delete', { title: c.title ?? t('chat.untitled') })}
                    title={t('chat.deleteShort')}
                    onClick={() => setDeleting(c)}
                  >
                    <Icon path="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13M10 11v6M14 11v6" />
                  </button>
                </div>
              </>
            )}
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={deleting !== null}
        title={t('chat.deleteTitle')}
        message={t('chat.deleteConfirm', { title: deleting?.title ?? t('chat.untitled') })}
        confirmLabel={t('chat.deleteShort')}
        onConfirm={() => void confirmDelete()}
        onCancel={() => setDeleting(null)}
        busy={busy}
      />
    </aside>
  );
}
