import { type SubmitEvent, useState, useCallback } from 'react';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Badge, Button, Card, ErrorNotice, Field, Notice, PasswordInput } from '../../ui/components';
import { useLoad } from '../../ui/hooks';
import { DataTable } from '../../ui/DataTable';
import { PasswordRules } from '../setup/PasswordRules';
import { passwordRules } from '../setup/password-rules';

/** Browser and system from a user-agent string, roughly (enough to recognise one's own devices). */
export function describeUserAgent(ua: string | null): string {
  if (!ua) return '—';
  const browser = ua.includes('Edg/')
    ? 'Edge'
    : ua.includes('Firefox/')
      ? 'Firefox'
      : /Chrome\/|Chromium\//.test(ua)
        ? 'Chrome'
        : ua.includes('Safari/')
          ? 'Safari'
          : null;
  const system = ua.includes('Windows')
    ? 'Windows'
    : /iPad|iPhone/.test(ua)
      ? 'iOS'
      : ua.includes('Android')
        ? 'Android'
        : ua.includes('Mac OS X')
          ? 'macOS'
          : ua.includes('Linux')
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} · ${system}`;
  return browser ?? system ?? ua.slice(0, 60);
}

function ChangePassword() {
  const { api, user } = useApp();
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const rules = passwordRules(next, user.username, confirmation);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone(false);
    try {
      await api.changePassword({ currentPassword: current, newPassword: next });
      setDone(true);
      setCurrent('');
      setNext('');
      setConfirmation('');
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('account.changePassword')}>
      <form onSubmit={(e) => void submit(e)} className="narrow">
        <Field label={t('account.currentPassword')}>
          {(p) => (
            <PasswordInput
              {...p}
              autoComplete="current-password"
              value={current}
              onChange={(e) => setCurrent(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('account.newPassword')}>
          {(p) => (
            <PasswordInput
              {...p}
              autoComplete="new-password"
              value={next}
              onChange={(e) => setNext(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('account.confirmPassword')}>
          {(p) => (
            <PasswordInput
              {...p}
              autoComplete="new-password"
              value={confirmation}
              onChange={(e) => setConfirmation(e.target.value)}
            />
          )}
        </Field>
        <PasswordRules rules={rules} />
        {error !== undefined && <ErrorNotice error={error} />}
        {done && <Notice kind="success">{t('account.passwordChanged')}</Notice>}
        <Button type="submit" variant="primary" busy={busy} disabled={!current || !rules.every((r) => r.ok)}>
          {t('account.savePassword')}
        </Button>
      </form>
    </Card>
  );
}

function Sessions() {
  const { api } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const sessions = useLoad(useCallback(() => api.sessions(), [api]));
  const [ending, setEnding] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();

  const end = async (id: number) => {
    setEnding(id);
    setError(undefined);
    try {
      await api.endSession(id);
      sessions.reload();
    } catch (reason) {
      setError(reason);
    } finally {
      setEnding(null);
    }
  };

  return (
    <Card title={t('account.sessions')}>
      <p className="muted small">{t('account.sessionsHint')}</p>
      {sessions.error !== undefined && <ErrorNotice error={sessions.error} onRetry={sessions.reload} />}
      {error !== undefined && <ErrorNotice error={error} />}
      <DataTable
        testId="sessions"
        label={t('account.sessions')}
        rows={sessions.data}
        rowKey={(s) => s.id}
        columns={[
          {
            key: 'device',
            header: t('account.device'),
            cell: (s) => (
              <>
                {describeUserAgent(s.userAgent)}{' '}
                {s.current && <Badge tone="info">{t('account.thisDevice')}</Badge>}
              </>
            ),
          },
          { key: 'address', header: t('account.address'), cell: (s) => s.ipAddress ?? '—' },
          { key: 'signedIn', header: t('account.signedIn'), cell: (s) => i18n.dateTime(s.createdAt) },
          {
            key: 'lastActivity',
            header: t('account.lastActivity'),
            cell: (s) => i18n.relative(s.lastActivity),
          },
          {
            key: 'actions',
            header: t('common.actions'),
            headerHidden: true,
            className: 'actions',
            cell: (s) =>
              !s.current && (
                <Button
                  className="btn-small"
                  variant="danger"
                  busy={ending === s.id}
                  onClick={() => void end(s.id)}
                >
                  {t('account.endSession')}
                </Button>
              ),
          },
        ]}
      />
    </Card>
  );
}

export function AccountTab() {
  return (
    <div className="stack">
      <ChangePassword />
      <Sessions />
    </div>
  );
}
