import { type SubmitEvent, useState, useCallback } from 'react';
import { API_SCOPES, type ApiKeyDto, type ApiScope, type CreatedApiKey } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Badge, Button, Card, CopyButton, ErrorNotice, Field, Notice, TextInput } from '../../ui/components';
import { useLoad } from '../../ui/hooks';
import { DataTable } from '../../ui/DataTable';
import { ConfirmDialog } from '../../ui/Dialog';

const STATUS_TONE = { active: 'ok', rotating: 'warn', expired: 'neutral', revoked: 'neutral' } as const;

/** The secret, shown exactly once: it cannot be read again from the server. */
function NewKey({ created, onDone }: { created: CreatedApiKey; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <Notice kind="success" data-testid="new-api-key">
      <div className="new-key">
        <strong>{t('apiKeys.createdTitle', { name: created.apiKey.name })}</strong>
        <p>{t('apiKeys.showOnce')}</p>
        <div className="key-row">
          <code className="key-value" data-testid="api-key-value">
            {created.key}
          </code>
          <CopyButton text={created.key} />
        </div>
        <Button className="btn-small" onClick={onDone}>
          {t('apiKeys.stored')}
        </Button>
      </div>
    </Notice>
  );
}

function CreateKey({ onCreated }: { onCreated: (created: CreatedApiKey) => void }) {
  const { api } = useApp();
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<Set<ApiScope>>(new Set(['llm:chat']));
  const [expires, setExpires] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();

  const toggle = (scope: ApiScope) =>
    setScopes((current) => {
      const next = new Set(current);
      if (next.has(scope)) next.delete(scope);
      else next.add(scope);
      return next;
    });

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const created = await api.createApiKey({
        name: name.trim(),
        scopes: API_SCOPES.filter((s) => scopes.has(s)),
        ...(expires ? { expiresAt: new Date(`${expires}T23:59:59`).toISOString() } : {}),
      });
      setName('');
      onCreated(created);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title={t('apiKeys.create')}>
      <form onSubmit={(e) => void submit(e)} data-testid="create-api-key">
        <div className="form-grid">
          <Field label={t('apiKeys.name')} hint={t('apiKeys.nameHint')}>
            {(p) => (
              <TextInput {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />
            )}
          </Field>
          <Field label={t('apiKeys.expires')} hint={t('apiKeys.expiresHint')}>
            {(p) => (
              <TextInput
                {...p}
                type="date"
                value={expires}
                min={new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}
                onChange={(e) => setExpires(e.target.value)}
              />
            )}
          </Field>
        </div>
        <fieldset className="scopes">
          <legend>{t('apiKeys.scopes')}</legend>
          {API_SCOPES.map((scope) => (
            <label key={scope} className="check">
              <input
                type="checkbox"
                checked={scopes.has(scope)}
                onChange={() => toggle(scope)}
                value={scope}
              />
              <span>
                <code>{scope}</code> — {t(`scope.${scope}`)}
              </span>
            </label>
          ))}
        </fieldset>
        {error !== undefined && <ErrorNotice error={error} />}
        <Button type="submit" variant="primary" busy={busy} disabled={!name.trim() || scopes.size === 0}>
          {t('apiKeys.createSubmit')}
        </Button>
      </form>
    </Card>
  );
}

export default function ApiKeysTab() {
  const { api } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const keys = useLoad(useCallback(() => api.apiKeys(), [api]));
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const [revoking, setRevoking] = useState<ApiKeyDto | null>(null);
  const [pending, setPending] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();

  /** Runs a change of one key; a rotation answers with the new key, shown once. */
  const act = async (key: ApiKeyDto, action: () => Promise<CreatedApiKey | null>) => {
    setPending(key.id);
    setError(undefined);
    try {
      const result = await action();
      if (result) setCreated(result);
      keys.reload();
    } catch (reason) {
      setError(reason);
    } finally {
      setPending(null);
      setRevoking(null);
    }
  };

  return (
    <div className="stack">
      {created && <NewKey created={created} onDone={() => setCreated(null)} />}
      <CreateKey
        onCreated={(value) => {
          setCreated(value);
          keys.reload();
        }}
      />
      <Card title={t('apiKeys.title')}>
        {keys.error !== undefined && <ErrorNotice error={keys.error} onRetry={keys.reload} />}
        {error !== undefined && <ErrorNotice error={error} />}
        <DataTable
          testId="api-keys"
          label={t('apiKeys.title')}
          rows={keys.data}
          rowKey={(key) => key.id}
          empty={t('apiKeys.none')}
          columns={[
            {
              key: 'name',
              header: t('apiKeys.name'),
              cell: (key) => (
                <>
                  <strong>{key.name}</strong>
                  <div className="muted small">
                    <code>aras_{key.prefix}…</code>
                  </div>
                </>
              ),
            },
            {
              key: 'scopes',
              header: t('apiKeys.scopes'),
              cell: (key) => (
                <div className="chips">
                  {key.scopes.map((s) => (
                    <code key={s} className="chip">
                      {s}
                    </code>
                  ))}
                </div>
              ),
            },
            {
              key: 'status',
              header: t('users.status'),
              cell: (key) => (
                <>
                  <Badge tone={STATUS_TONE[key.status]}>{t(`apiKeys.status.${key.status}`)}</Badge>
                  {key.status === 'rotating' && key.graceExpiresAt && (
                    <div className="muted small">
                      {t('apiKeys.graceUntil', { time: i18n.dateTime(key.graceExpiresAt) })}
                    </div>
                  )}
                </>
              ),
            },
            {
              key: 'lastUsed',
              header: t('apiKeys.lastUsed'),
              cell: (key) => (key.lastUsedAt ? i18n.relative(key.lastUsedAt) : t('users.never')),
            },
            {
              key: 'expires',
              header: t('apiKeys.expires'),
              cell: (key) => (key.expiresAt ? i18n.dateTime(key.expiresAt) : t('apiKeys.noExpiry')),
            },
            {
              key: 'actions',
              header: t('common.actions'),
              headerHidden: true,
              className: 'actions',
              cell: (key) =>
                key.status === 'active' && (
                  <>
                    <Button
                      className="btn-small"
                      busy={pending === key.id}
                      onClick={() => void act(key, () => api.rotateApiKey(key.id))}
                    >
                      {t('apiKeys.rotate')}
                    </Button>
                    <Button className="btn-small" variant="danger" onClick={() => setRevoking(key)}>
                      {t('apiKeys.revoke')}
                    </Button>
                  </>
                ),
            },
          ]}
        />
      </Card>
      <ConfirmDialog
        open={revoking !== null}
        title={t('apiKeys.revokeTitle')}
        message={t('apiKeys.revokeConfirm', { name: revoking?.name ?? '' })}
        confirmLabel={t('apiKeys.revoke')}
        busy={revoking !== null && pending === revoking.id}
        onCancel={() => setRevoking(null)}
        onConfirm={() => {
          if (revoking) void act(revoking, () => api.revokeApiKey(revoking.id).then(() => null));
        }}
      />
    </div>
  );
}
