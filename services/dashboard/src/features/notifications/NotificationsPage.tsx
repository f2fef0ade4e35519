import { type SubmitEvent, useEffect, useMemo, useRef, useState, useCallback } from 'react';
import {
  type NotificationSettings,
  type NotificationSeverityLevel,
  type OutboxStatus,
  type QuietHours,
  type TelegramSetup,
  WEEKDAYS,
  telegramSetupSchema,
} from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Badge, Button, Card, CopyButton, ErrorNotice, Field, Notice, TextInput } from '../../ui/components';
import { DataTable } from '../../ui/DataTable';
import { ConfirmDialog } from '../../ui/Dialog';
import { useAction, useLoad } from '../../ui/hooks';
import { aborted } from '../../api/aborted';
import { ApiError } from '../../api/errors';
import { readSse } from '../../api/sse';
import { type NotificationsApi, notificationsApi } from './notifications-api';

const SEVERITIES: NotificationSeverityLevel[] = ['info', 'warning', 'error', 'critical'];
const STATUS_TONE = { pending: 'info', sent: 'ok', failed: 'bad', suppressed: 'neutral' } as const;

/**
 * The wizard's live progress from `GET /api/telegram/setup/:code/events` (SSE over fetch with the Bearer
 * token); reconnects after a broken stream until the session is completed or expired.
 */
function useSetupProgress(api: NotificationsApi, setup: TelegramSetup): TelegramSetup {
  const [current, setCurrent] = useState<TelegramSetup>(setup);
  const waiting = current.status === 'token_valid';
  useEffect(() => {
    if (!waiting) return undefined;
    const controller = new AbortController();
    const { signal } = controller;
    void (async () => {
      let failures = 0;
      while (!signal.aborted) {
        // Set inside the event callback; an object so the check below reads it after the await.
        const end = { reached: false };
        try {
          const response = await api.setupEvents(setup.code, signal);
          await readSse(
            response,
            (event) => {
              if (event.event !== 'progress') return;
              const parsed = telegramSetupSchema.safeParse(JSON.parse(event.data));
              if (!parsed.success) return;
              failures = 0;
              end.reached = parsed.data.status !== 'token_valid';
              setCurrent(parsed.data);
            },
            signal,
          );
        } catch (error) {
          if (aborted(signal)) return;
          // The session is gone (404) or the caller signed out: nothing to reconnect to.
          if (error instanceof ApiError && error.status >= 400 && error.status < 500) return;
          failures += 1;
        }
        if (end.reached || aborted(signal)) return;
        await new Promise((resolve) => setTimeout(resolve, Math.min(30_000, 1000 * 2 ** failures)));
      }
    })();
    return () => controller.abort();
  }, [api, setup.code, waiting]);
  return current;
}

/** The deep link as a QR code (an SVG the notifier generated) plus the link itself, and live progress. */
function SetupProgress({
  api,
  setup,
  onDone,
}: {
  api: NotificationsApi;
  setup: TelegramSetup;
  onDone: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const current = useSetupProgress(api, setup);
  const done = useRef(onDone);
  done.current = onDone;
  const reported = useRef(false);
  useEffect(() => {
    if (current.status !== 'completed' || reported.current) return;
    reported.current = true;
    done.current();
  }, [current.status]);
  const qr = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(setup.qrSvg)}`;
  return (
    <div className="stack" data-testid="telegram-setup-progress">
      <p>{t('notify.setup.scan')}</p>
      <img src={qr} alt={t('notify.setup.qrAlt')} width={200} height={200} className="qr" />
      <div className="key-row">
        <a href={setup.deepLink} target="_blank" rel="noreferrer" data-testid="telegram-deep-link">
          {setup.deepLink}
        </a>
        <CopyButton text={setup.deepLink} />
      </div>
      <p className="muted small">
        {t('notify.setup.group')}{' '}
        <a href={setup.groupLink} target="_blank" rel="noreferrer">
          {t('notify.setup.groupLink')}
        </a>
      </p>
      <p role="status" aria-live="polite" data-testid="telegram-setup-status">
        {current.status === 'completed'
          ? t('notify.setup.completed', { chat: current.chat?.title ?? current.chat?.chatId ?? '' })
          : current.status === 'expired'
            ? t('notify.setup.expired')
            : t('notify.setup.waiting')}
      </p>
    </div>
  );
}

function TelegramCard({ api }: { api: NotificationsApi }) {
  const i18n = useI18n();
  const { t } = i18n;
  const status = useLoad(
    useCallback((signal: AbortSignal) => api.status(signal), [api]),
    10_000,
  );
  const [token, setToken] = useState('');
  const [setup, setSetup] = useState<TelegramSetup | null>(null);
  const { busy, error, run } = useAction();
  const [forgetting, setForgetting] = useState(false);
  const [tested, setTested] = useState(false);

  const submit = (event: SubmitEvent) => {
    event.preventDefault();
    void run(async () => {
      setSetup(await api.startSetup(token.trim()));
      setToken('');
    });
  };
  const data = status.data;
  return (
    <Card title={t('notify.telegram.title')}>
      {status.error !== undefined && <ErrorNotice error={status.error} onRetry={status.reload} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {data?.state === 'no_encryption_key' && <Notice kind="warning">{t('notify.telegram.noKey')}</Notice>}
      {data?.state === 'configured' && (
        <div className="stack" data-testid="telegram-configured">
          <p>
            {t('notify.telegram.connected', { bot: `@${data.botUsername ?? ''}` })}{' '}
            <Badge tone="ok">{i18n.tx(`notify.mode.${data.mode}`)}</Badge>
          </p>
          <ul>
            {data.chats.map((chat) => (
              <li key={chat.chatId}>
                {chat.title ?? chat.chatId}{' '}
                <span className="muted small">({i18n.tx(`notify.chatType.${chat.type}`)})</span>
              </li>
            ))}
          </ul>
          {data.lastError !== null && <Notice kind="warning">{data.lastError}</Notice>}
          <div className="card-actions">
            <Button
              busy={busy}
              onClick={() =>
                void run(async () => {
                  await api.test();
                  setTested(true);
                })
              }
            >
              {t('notify.test')}
            </Button>
            <Button busy={busy} onClick={() => void run(async () => setSetup(await api.linkChat()))}>
              {t('notify.telegram.linkChat')}
            </Button>
            <Button variant="danger" onClick={() => setForgetting(true)}>
              {t('notify.telegram.forget')}
            </Button>
          </div>
          {tested && <Notice kind="success">{t('notify.testQueued')}</Notice>}
        </div>
      )}
      {data?.state === 'not_configured' && !setup && (
        <form onSubmit={submit} data-testid="telegram-setup-form" className="stack">
          <ol className="small">
            <li>{t('notify.setup.step1')}</li>
            <li>{t('notify.setup.step2')}</li>
            <li>{t('notify.setup.step3')}</li>
          </ol>
          <Field label={t('notify.setup.token')} hint={t('notify.setup.tokenHint')}>
            {(p) => (
              <TextInput
                {...p}
                value={token}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => setToken(e.target.value)}
              />
            )}
          </Field>
          <Button type="submit" variant="primary" busy={busy} disabled={token.trim() === ''}>
            {t('notify.setup.start')}
          </Button>
        </form>
      )}
      {setup && (
        <SetupProgress
          key={setup.code}
          api={api}
          setup={setup}
          onDone={() => {
            status.reload();
          }}
        />
      )}
      {setup && (
        <Button className="btn-small" onClick={() => setSetup(null)}>
          {t('notify.setup.close')}
        </Button>
      )}
      {forgetting && (
        <ConfirmDialog
          open
          title={t('notify.telegram.forget')}
          message={t('notify.telegram.forgetConfirm')}
          confirmLabel={t('notify.telegram.forget')}
          busy={busy}
          onCancel={() => setForgetting(false)}
          onConfirm={() =>
            void run(async () => {
              await api.forget();
              setForgetting(false);
              status.reload();
            })
          }
        />
      )}
    </Card>
  );
}

function SettingsCard({ api }: { api: NotificationsApi }) {
  const i18n = useI18n();
  const { t } = i18n;
  const loaded = useLoad(useCallback((signal: AbortSignal) => api.settings(signal), [api]));
  const [draft, setDraft] = useState<NotificationSettings | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (loaded.data) setDraft(loaded.data);
  }, [loaded.data]);
  if (!draft)
    return (
      <Card title={t('notify.settings.title')}>
        {loaded.error !== undefined && <ErrorNotice error={loaded.error} />}
      </Card>
    );

  const setDay = (day: keyof QuietHours, value: QuietHours[keyof QuietHours]) =>
    setDraft({ ...draft, quietHours: { ...draft.quietHours, [day]: value } });
  const save = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      setDraft(
        await api.saveSettings({
          enabled: draft.enabled,
          minSeverity: draft.minSeverity,
          timeZone: draft.timeZone,
          quietHours: draft.quietHours,
          groupingWindowSeconds: draft.groupingWindowSeconds,
          cooldownSeconds: draft.cooldownSeconds,
          dailySummaryTime: draft.dailySummaryTime,
        }),
      );
      setSaved(true);
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card title={t('notify.settings.title')}>
      <form onSubmit={(e) => void save(e)} className="stack" data-testid="notification-settings">
        <label className="check">
          <input
            type="checkbox"
            checked={draft.enabled}
            onChange={(e) => setDraft({ ...draft, enabled: e.target.checked })}
          />
          <span>{t('notify.settings.enabled')}</span>
        </label>
        <div className="form-grid">
          <Field label={t('notify.settings.minSeverity')} hint={t('notify.settings.minSeverityHint')}>
            {(p) => (
              <select
                {...p}
                value={draft.minSeverity}
                onChange={(e) =>
                  setDraft({ ...draft, minSeverity: e.target.value as NotificationSeverityLevel })
                }
              >
                {SEVERITIES.map((s) => (
                  <option key={s} value={s}>
                    {i18n.tx(`notify.severity.${s}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label={t('notify.settings.timeZone')}>
            {(p) => (
              <TextInput
                {...p}
                value={draft.timeZone}
                onChange={(e) => setDraft({ ...draft, timeZone: e.target.value })}
              />
            )}
          </Field>
          <Field label={t('notify.settings.grouping')} hint={t('notify.settings.groupingHint')}>
            {(p) => (
              <TextInput
                {...p}
                type="number"
                min={0}
                max={3600}
                value={draft.groupingWindowSeconds}
                onChange={(e) => setDraft({ ...draft, groupingWindowSeconds: Number(e.target.value) })}
              />
            )}
          </Field>
          <Field label={t('notify.settings.cooldown')} hint={t('notify.settings.cooldownHint')}>
            {(p) => (
              <TextInput
                {...p}
                type="number"
                min={0}
                max={86400}
                value={draft.cooldownSeconds}
                onChange={(e) => setDraft({ ...draft, cooldownSeconds: Number(e.target.value) })}
              />
            )}
          </Field>
          <Field label={t('notify.settings.dailySummary')} hint={t('notify.settings.dailySummaryHint')}>
            {(p) => (
              <TextInput
                {...p}
                type="time"
                data-testid="daily-summary-time"
                value={draft.dailySummaryTime ?? ''}
                onChange={(e) =>
                  setDraft({ ...draft, dailySummaryTime: e.target.value === '' ? null : e.target.value })
                }
              />
            )}
          </Field>
        </div>
        {/* min-width 0: a fieldset is as wide as its content by default, which would push the table past a phone screen */}
        <fieldset className="quiet-hours">
          <legend>{t('notify.quiet.title')}</legend>
          <p className="muted small">{t('notify.quiet.hint')}</p>
          <div className="table-scroll" role="region" aria-label={t('notify.quiet.title')} tabIndex={0}>
            <table className="table" data-testid="quiet-hours">
              <thead>
                <tr>
                  <th>{t('notify.quiet.day')}</th>
                  <th>{t('notify.quiet.on')}</th>
                  <th>{t('notify.quiet.from')}</th>
                  <th>{t('notify.quiet.to')}</th>
                </tr>
              </thead>
              <tbody>
                {WEEKDAYS.map((day) => {
                  const window = draft.quietHours[day];
                  return (
                    <tr key={day}>
                      <th scope="row">{i18n.tx(`notify.day.${day}`)}</th>
                      <td>
                        <input
                          type="checkbox"
                          aria-label={t('notify.quiet.onFor', { day: i18n.tx(`notify.day.${day}`) })}
                          checked={window !== null}
                          onChange={(e) =>
                            setDay(day, e.target.checked ? { start: '22:00', end: '07:00' } : null)
                          }
                        />
                      </td>
                      <td>
                        <input
                          type="time"
                          aria-label={t('notify.quiet.fromFor', { day: i18n.tx(`notify.day.${day}`) })}
                          disabled={window === null}
                          value={window?.start ?? ''}
                          onChange={(e) => window && setDay(day, { ...window, start: e.target.value })}
                        />
                      </td>
                      <td>
                        <input
                          type="time"
                          aria-label={t('notify.quiet.toFor', { day: i18n.tx(`notify.day.${day}`) })}
                          disabled={window === null}
                          value={window?.end ?? ''}
                          onChange={(e) => window && setDay(day, { ...window, end: e.target.value })}
                        />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </fieldset>
        {error !== undefined && <ErrorNotice error={error} />}
        {saved && <Notice kind="success">{t('common.saved')}</Notice>}
        <Button type="submit" variant="primary" busy={busy}>
          {t('common.save')}
        </Button>
      </form>
    </Card>
  );
}

function RulesCard({ api }: { api: NotificationsApi }) {
  const i18n = useI18n();
  const { t } = i18n;
  const rules = useLoad(useCallback((signal: AbortSignal) => api.rules(signal), [api]));
  const [name, setName] = useState('');
  const [eventType, setEventType] = useState('');
  const [minSeverity, setMinSeverity] = useState<NotificationSeverityLevel>('warning');
  const { busy, error, run } = useAction();
  const act = (action: () => Promise<unknown>) =>
    run(async () => {
      await action();
      rules.reload();
    });
  return (
    <Card title={t('notify.rules.title')}>
      <p className="muted small">{t('notify.rules.hint')}</p>
      {rules.error !== undefined && <ErrorNotice error={rules.error} onRetry={rules.reload} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {rules.data?.length === 0 && <p className="muted">{t('notify.rules.none')}</p>}
      {rules.data && rules.data.length > 0 && (
        <ul data-testid="notification-rules">
          {rules.data.map((rule) => (
            <li key={rule.id}>
              <strong>{rule.name}</strong> — <code>{rule.eventType}</code> ≥{' '}
              {i18n.tx(`notify.severity.${rule.minSeverity}`)}{' '}
              <Button
                className="btn-small"
                busy={busy}
                onClick={() => void act(() => api.deleteRule(rule.id))}
              >
                {t('notify.delete')}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            await api.createRule({ name: name.trim(), eventType: eventType.trim(), minSeverity });
            setName('');
            setEventType('');
          });
        }}
      >
        <Field label={t('notify.rules.name')}>
          {(p) => <TextInput {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label={t('notify.rules.eventType')} hint={t('notify.rules.eventTypeHint')}>
          {(p) => (
            <TextInput
              {...p}
              value={eventType}
              maxLength={100}
              onChange={(e) => setEventType(e.target.value)}
            />
          )}
        </Field>
        <Field label={t('notify.settings.minSeverity')}>
          {(p) => (
            <select
              {...p}
              value={minSeverity}
              onChange={(e) => setMinSeverity(e.target.value as NotificationSeverityLevel)}
            >
              {SEVERITIES.map((s) => (
                <option key={s} value={s}>
                  {i18n.tx(`notify.severity.${s}`)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Button type="submit" busy={busy} disabled={name.trim() === '' || eventType.trim() === ''}>
          {t('notify.rules.add')}
        </Button>
      </form>
    </Card>
  );
}

function WebhooksCard({ api }: { api: NotificationsApi }) {
  const i18n = useI18n();
  const { t } = i18n;
  const hooks = useLoad(useCallback((signal: AbortSignal) => api.webhooks(signal), [api]));
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const { busy, error, run } = useAction();
  const act = (action: () => Promise<void>) =>
    run(async () => {
      await action();
      hooks.reload();
    });
  return (
    <Card title={t('notify.webhooks.title')}>
      <p className="muted small">{t('notify.webhooks.hint')}</p>
      {hooks.error !== undefined && <ErrorNotice error={hooks.error} onRetry={hooks.reload} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {secret !== null && (
        <Notice kind="success">
          <p>{t('notify.webhooks.secretOnce')}</p>
          <div className="key-row">
            <code className="key-value">{secret}</code>
            <CopyButton text={secret} />
          </div>
        </Notice>
      )}
      {result !== null && <Notice kind="info">{result}</Notice>}
      {hooks.data && hooks.data.length > 0 && (
        <ul data-testid="notification-webhooks">
          {hooks.data.map((hook) => (
            <li key={hook.id}>
              <strong>{hook.name}</strong> <span className="muted small">{hook.url}</span>{' '}
              <Button
                className="btn-small"
                busy={busy}
                onClick={() =>
                  void act(async () => {
                    const r = await api.testWebhook(hook.id);
                    setResult(
                      r.delivered
                        ? t('notify.webhooks.delivered', { status: r.status ?? 0 })
                        : t('notify.webhooks.failed', { error: r.error ?? '' }),
                    );
                  })
                }
              >
                {t('notify.webhooks.test')}
              </Button>{' '}
              <Button
                className="btn-small"
                busy={busy}
                onClick={() => void act(() => api.deleteWebhook(hook.id))}
              >
                {t('notify.delete')}
              </Button>
            </li>
          ))}
        </ul>
      )}
      <form
        className="form-grid"
        onSubmit={(e) => {
          e.preventDefault();
          void act(async () => {
            setSecret((await api.createWebhook(name.trim(), url.trim())).secret);
            setName('');
            setUrl('');
          });
        }}
      >
        <Field label={t('notify.webhooks.name')}>
          {(p) => <TextInput {...p} value={name} maxLength={100} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label={t('notify.webhooks.url')}>
          {(p) => (
            <TextInput
              {...p}
              type="url"
              value={url}
              maxLength={500}
              onChange={(e) => setUrl(e.target.value)}
            />
          )}
        </Field>
        <Button type="submit" busy={busy} disabled={name.trim() === '' || url.trim() === ''}>
          {t('notify.webhooks.add')}
        </Button>
      </form>
    </Card>
  );
}

function OutboxCard({ api }: { api: NotificationsApi }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [status, setStatus] = useState<OutboxStatus | ''>('');
  const page = useLoad(
    useCallback(
      (signal: AbortSignal) => api.outbox(status === '' ? undefined : status, signal),
      [api, status],
    ),
    5000,
  );
  const [error, setError] = useState<unknown>();
  const retry = async (id: number) => {
    setError(undefined);
    try {
      await api.retry(id);
      page.reload();
    } catch (reason) {
      setError(reason);
    }
  };
  return (
    <Card
      title={t('notify.outbox.title')}
      actions={
        <label>
          <span className="visually-hidden">{t('notify.outbox.filter')}</span>
          <select
            value={status}
            onChange={(e) => setStatus(e.target.value as OutboxStatus | '')}
            aria-label={t('notify.outbox.filter')}
          >
            <option value="">{t('notify.outbox.all')}</option>
            {(['pending', 'sent', 'failed', 'suppressed'] as const).map((s) => (
              <option key={s} value={s}>
                {i18n.tx(`notify.status.${s}`)}
              </option>
            ))}
          </select>
        </label>
      }
    >
      {page.error !== undefined && <ErrorNotice error={page.error} onRetry={page.reload} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {page.data?.items.length === 0 && <p className="muted">{t('notify.outbox.none')}</p>}
      {page.data && page.data.items.length > 0 && (
        <DataTable
          rows={page.data.items}
          rowKey={(item) => item.id}
          rowData={(item) => ({ 'data-status': item.status })}
          testId="notification-outbox"
          label={t('notify.outbox.title')}
          columns={[
            {
              key: 'time',
              header: t('notify.outbox.time'),
              className: 'small',
              cell: (item) => i18n.dateTime(item.createdAt),
            },
            {
              key: 'message',
              header: t('notify.outbox.message'),
              cell: (item) => (
                <>
                  <strong>{item.title}</strong>
                  <div className="muted small">
                    <code>{item.eventType}</code> · {i18n.tx(`notify.severity.${item.severity}`)}
                  </div>
                </>
              ),
            },
            {
              key: 'to',
              header: t('notify.outbox.to'),
              className: 'small',
              cell: (item) => item.destination,
            },
            {
              key: 'state',
              header: t('notify.outbox.state'),
              cell: (item) => (
                <>
                  <Badge tone={STATUS_TONE[item.status]}>{i18n.tx(`notify.status.${item.status}`)}</Badge>
                  {item.error !== null && <div className="muted small">{item.error}</div>}
                </>
              ),
            },
            {
              key: 'actions',
              header: t('common.actions'),
              headerHidden: true,
              cell: (item) =>
                item.status === 'failed' && (
                  <Button className="btn-small" onClick={() => void retry(item.id)}>
                    {t('notify.outbox.retry')}
                  </Button>
                ),
            },
          ]}
        />
      )}
    </Card>
  );
}

/** "Benachrichtigungen": Telegram setup, routing settings and rules, webhooks and the outbox. */
export default function NotificationsPage() {
  const { client } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const api = useMemo(() => notificationsApi(client), [client]);
  return (
    <div className="stack">
      <h1>{t('nav.notifications')}</h1>
      <TelegramCard api={api} />
      <OutboxCard api={api} />
      <SettingsCard api={api} />
      <RulesCard api={api} />
      <WebhooksCard api={api} />
    </div>
  );
}
