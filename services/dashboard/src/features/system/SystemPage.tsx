import { useMemo, useCallback } from 'react';
import { hasRole, useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Badge, Card, ErrorNotice, Spinner } from '../../ui/components';
import { useLoad } from '../../ui/hooks';
import { AssistantChat } from './AssistantChat';
import { IncidentTimeline } from './IncidentTimeline';
import { ServiceGrid } from './ServiceGrid';
import { SettingsForm } from './SettingsForm';
import { systemApi } from './system-api';

/** "System": what the self-healing agent sees and does, and (for admins) its buttons and settings. */
export default function SystemPage() {
  const { client, user } = useApp();
  const { t, tx } = useI18n();
  const api = useMemo(() => systemApi(client), [client]);
  const isAdmin = hasRole(user, 'admin');
  const isOperator = hasRole(user, 'operator');
  const status = useLoad(
    useCallback((signal: AbortSignal) => api.status(signal), [api]),
    2000,
  );
  const events = useLoad(
    useCallback((signal: AbortSignal) => api.events(30, signal), [api]),
    2000,
  );
  const settings = useLoad(
    useCallback(
      (signal: AbortSignal) => (isAdmin ? api.settings(signal) : Promise.resolve(null)),
      [api, isAdmin],
    ),
  );
  const reload = () => {
    status.reload();
    events.reload();
  };

  return (
    <div className="page system">
      <div className="page-header">
        <h1>{t('system.title')}</h1>
        {status.data && (
          <p className="live-status" data-testid="self-healing-runtime" aria-live="polite">
            <span className={`dot dot-${status.data.runtimeConnected ? 'ok' : 'warn'}`} aria-hidden="true" />
            {t('system.runtime', { runtime: tx(`system.runtime.${status.data.runtime ?? 'none'}`) })}
            {!status.data.enabled && (
              <>
                {' '}
                <Badge tone="warn">{t('system.disabled')}</Badge>
              </>
            )}
          </p>
        )}
      </div>
      <Card title={t('system.services')} data-testid="services">
        {status.error !== undefined && <ErrorNotice error={status.error} onRetry={status.reload} />}
        {status.loading && !status.data && <Spinner label={t('common.loading')} />}
        {status.data && (
          <ServiceGrid services={status.data.services} canAct={isAdmin} api={api} onChanged={reload} />
        )}
      </Card>
      <Card title={t('system.incidents')}>
        {events.error !== undefined && <ErrorNotice error={events.error} onRetry={events.reload} />}
        {events.data && <IncidentTimeline events={events.data.events} />}
      </Card>
      {isOperator && (
        <Card title={t('system.assistant')}>
          <AssistantChat api={api} />
        </Card>
      )}
      {isAdmin && (
        <Card title={t('system.settings')}>
          {settings.error !== undefined && <ErrorNotice error={settings.error} onRetry={settings.reload} />}
          {settings.data && <SettingsForm api={api} initial={settings.data} />}
        </Card>
      )}
    </div>
  );
}
