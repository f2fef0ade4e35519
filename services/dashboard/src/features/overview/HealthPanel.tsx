import { useCallback } from 'react';
import type { Api } from '../../api/endpoints';
import type { PlatformServiceStatus as ServiceStatus } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { Badge, Card, ErrorNotice, Spinner } from '../../ui/components';
import { useLoad } from '../../ui/hooks';

const TONE: Record<ServiceStatus | 'ok', 'ok' | 'warn' | 'bad' | 'neutral'> = {
  ok: 'ok',
  up: 'ok',
  degraded: 'warn',
  down: 'bad',
  not_installed: 'neutral',
};

/** Every service and dependency as `/api/health` reports them, plus the embedded stand-ins in use. */
export function HealthPanel({ api }: { api: Api }) {
  const i18n = useI18n();
  const { t } = i18n;
  const health = useLoad(
    useCallback((signal) => api.health(signal), [api]),
    10_000,
  );
  const data = health.data;
  const services = data ? Object.entries(data.services).sort(([a], [b]) => a.localeCompare(b)) : [];
  const fallbacks = services.flatMap(([name, s]) => (s.fallbacks ?? []).map((f) => ({ name, text: f })));

  return (
    <Card
      title={t('overview.health')}
      data-testid="health"
      actions={
        data && (
          <Badge tone={data.status === 'ok' ? 'ok' : data.status === 'degraded' ? 'warn' : 'bad'}>
            {t(`health.overall.${data.status}`)}
          </Badge>
        )
      }
    >
      {health.error !== undefined && <ErrorNotice error={health.error} onRetry={health.reload} />}
      {!data && health.loading && <Spinner label={t('common.loading')} />}
      {data && (
        <>
          <h3 className="subhead">{t('health.services')}</h3>
          <ul className="status-list">
            {services.map(([name, s]) => (
              <li key={name} data-testid={`service-${name}`} data-status={s.status}>
                <span className={`dot dot-${TONE[s.status]}`} aria-hidden="true" />
                <span className="status-name">
                  {i18n.has(`service.${name}`) ? i18n.tx(`service.${name}`) : name}
                </span>
                <span className="status-value">
                  {t(`health.status.${s.status}`)}
                  {s.status === 'up' || s.status === 'degraded' ? ` · ${s.latencyMs} ms` : ''}
                </span>
              </li>
            ))}
          </ul>
          <h3 className="subhead">{t('health.dependencies')}</h3>
          <ul className="status-list">
            {Object.entries(data.dependencies).map(([name, status]) => (
              <li key={name} data-testid={`dependency-${name}`} data-status={status}>
                <span className={`dot dot-${status === 'up' ? 'ok' : 'bad'}`} aria-hidden="true" />
                <span className="status-name">
                  {i18n.has(`dependency.${name}`) ? i18n.tx(`dependency.${name}`) : name}
                </span>
                <span className="status-value">{t(`health.status.${status}`)}</span>
              </li>
            ))}
            <li>
              <span
                className={`dot dot-${data.rateLimiter === 'redis' ? 'ok' : 'warn'}`}
                aria-hidden="true"
              />
              <span className="status-name">{t('health.rateLimiter')}</span>
              <span className="status-value">
                {i18n.has(`health.rateLimiter.${data.rateLimiter}`)
                  ? i18n.tx(`health.rateLimiter.${data.rateLimiter}`)
                  : data.rateLimiter}
              </span>
            </li>
          </ul>
          {fallbacks.length > 0 && (
            <div className="fallbacks" data-testid="fallbacks">
              <h3 className="subhead">{t('health.fallbacks')}</h3>
              <p className="muted small">{t('health.fallbacksHint')}</p>
              <ul>
                {fallbacks.map((f) => (
                  <li key={`${f.name}:${f.text}`}>
                    <strong>{i18n.has(`service.${f.name}`) ? i18n.tx(`service.${f.name}`) : f.name}:</strong>{' '}
                    {f.text}
                  </li>
                ))}
              </ul>
            </div>
          )}
          <p className="muted small">{t('health.version', { version: data.version })}</p>
        </>
      )}
    </Card>
  );
}
