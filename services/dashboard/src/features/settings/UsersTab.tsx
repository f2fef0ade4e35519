import { type SubmitEvent, useState, useCallback } from 'react';
import type { Role, UserDto } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import {
  Badge,
  Button,
  Card,
  ErrorNotice,
  Field,
  Notice,
  PasswordInput,
  TextInput,
} from '../../ui/components';
import { useLoad } from '../../ui/hooks';
import { DataTable } from '../../ui/DataTable';
import { PasswordRules } from '../setup/PasswordRules';
import { passwordRules, usernameValid } from '../setup/password-rules';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

function CreateUser({ onCreated }: { onCreated: () => void }) {
  const { api } = useApp();
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [created, setCreated] = useState<string | null>(null);
  const rules = passwordRules(password, username);
  const valid = usernameValid(username) && rules.every((r) => r.ok);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const user = await api.createUser({
        username: username.trim(),
        password,
        role,
        ...(email.trim() ? { email: email.trim() } : {}),
      });
      setCreated(user.username);
      setUsername('');
      setPassword('');
      setEmail('');
      onCreated();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('users.create')}>
      <form onSubmit={(e) => void submit(e)} className="form-grid" data-testid="create-user">
        <Field
          label={t('setup.username')}
          error={username && !usernameValid(username) ? t('setup.usernameInvalid') : undefined}
        >
          {(p) => (
            <TextInput
              {...p}
              value={username}
              autoComplete="off"
              onChange={(e) => setUsername(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('users.role')}>
          {(p) => (
            <select {...p} className="input" value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r} value={r}>
                  {t(`role.${r}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('setup.email')}>
          {(p) => <TextInput {...p} type="email" value={email} onChange={(e) => setEmail(e.target.value)} />}
        </Field>
        <Field label={t('users.initialPassword')}>
          {(p) => (
            <PasswordInput
              {...p}
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <div className="form-wide">
          <p className="muted small">{t(`role.${role}.description`)}</p>
          <PasswordRules rules={rules} />
          {error !== undefined && <ErrorNotice error={error} />}
          {created && <Notice kind="success">{t('users.created', { name: created })}</Notice>}
          <Button type="submit" variant="primary" busy={busy} disabled={!valid}>
            {t('users.createSubmit')}
          </Button>
        </div>
      </form>
    </Card>
  );
}

export default function UsersTab() {
  const { api, user: me } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const users = useLoad(useCallback(() => api.users(), [api]));
  const [pending, setPending] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();

  const change = async (user: UserDto, action: () => Promise<unknown>) => {
    setPending(user.id);
    setError(undefined);
    try {
      await action();
      users.reload();
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(null);
    }
  };

  return (
    <div className="stack">
      <Card title={t('users.title')}>
        {users.error !== undefined && <ErrorNotice error={users.error} onRetry={users.reload} />}
        {error !== undefined && <ErrorNotice error={error} />}
        <DataTable
          testId="users"
          label={t('users.title')}
          rows={users.data}
          rowKey={(u) => u.id}
          rowClassName={(u) => (u.isActive ? undefined : 'inactive')}
          columns={[
            {
              key: 'username',
              header: t('setup.username'),
              cell: (u) => (
                <>
                  <strong>{u.username}</strong>
                  {u.email && <div className="muted small">{u.email}</div>}
                </>
              ),
            },
            {
              key: 'role',
              header: t('users.role'),
              cell: (u) => (
                <select
                  className="input input-small"
                  aria-label={t('users.roleOf', { name: u.username })}
                  value={u.role}
                  disabled={pending === u.id || u.id === me.id}
                  onChange={(e) =>
                    void change(u, () => api.updateUser(u.id, { role: e.target.value as Role }))
                  }
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {t(`role.${r}`)}
                    </option>
                  ))}
                </select>
              ),
            },
            {
              key: 'status',
              header: t('users.status'),
              cell: (u) => (
                <>
                  {u.isActive ? (
                    <Badge tone="ok">{t('users.active')}</Badge>
                  ) : (
                    <Badge>{t('users.inactive')}</Badge>
                  )}{' '}
                  {u.lockedUntil && (
                    <Badge tone="bad">{t('users.locked', { time: i18n.time(u.lockedUntil) })}</Badge>
                  )}
                </>
              ),
            },
            {
              key: 'lastLogin',
              header: t('users.lastLogin'),
              cell: (u) => (u.lastLogin ? i18n.relative(u.lastLogin) : t('users.never')),
            },
            {
              key: 'actions',
              header: t('common.actions'),
              headerHidden: true,
              className: 'actions',
              cell: (u) => (
                <>
                  {u.lockedUntil && (
                    <Button
                      className="btn-small"
                      busy={pending === u.id}
                      onClick={() => void change(u, () => api.unlockUser(u.id))}
                    >
                      {t('users.unlock')}
                    </Button>
                  )}
                  {u.id !== me.id && (
                    <Button
                      className="btn-small"
                      variant={u.isActive ? 'danger' : 'secondary'}
                      busy={pending === u.id}
                      onClick={() => void change(u, () => api.updateUser(u.id, { isActive: !u.isActive }))}
                    >
                      {u.isActive ? t('users.deactivate') : t('users.activate')}
                    </Button>
                  )}
                </>
              ),
            },
          ]}
        />
      </Card>
      <CreateUser onCreated={users.reload} />
    </div>
  );
}
