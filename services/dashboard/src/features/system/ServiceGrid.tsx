import { useState } from 'react';
import type { ServiceActionName, WatchedService } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { Badge, Button, ErrorNotice } from '../../ui/components';
import type { SystemApi } from './system-api';

const HEALTH_TONE = { healthy: 'ok', starting: 'info', unhealthy: 'bad', none: 'neutral' } as const;

/** One card per service: state, health, uptime, restarts, back-off or quarantine, and the admin's buttons. */
export function ServiceGrid({
  services,
  canAct,
  api,
  onChanged,
}: {
  services: WatchedService[];
  canAct: boolean;
  api: SystemApi;
  onChanged: () => void;
}) {
  const i18n = useI18n();
  const { t, tx } = i18n;
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<unknown>();

  const act = async (service: string, action: ServiceActionName) => {
    setBusy(`${service}:${action}`);
    setError(undefined);
    try {
      await api.act(service, action);
      onChanged();
    } catch (reason) {
      setError(reason);
    } finally {
      setBusy(null);
    }
  };

  return (
    <>
      {error !== undefined && <ErrorNotice error={error} />}
      <ul className="service-grid" aria-label={t('system.services')}>
        {services.map((s) => (
          <li
            key={s.name}
            className="service-card"
            data-testid={`service-${s.name}`}
            data-health={s.health}
            data-state={s.state}
          >
            <div className="service-head">
              <strong className="service-name">{s.name}</strong>
              <Badge tone={HEALTH_TONE[s.health]}>{tx(`system.health.${s.health}`)}</Badge>
            </div>
            <dl className="service-facts">
              <dt>{t('system.state')}</dt>
              <dd>{tx(`system.state.${s.state}`)}</dd>
              <dt>{t('system.uptime')}</dt>
              <dd>{s.uptimeSeconds === null ? '—' : i18n.duration(s.uptimeSeconds)}</dd>
              <dt>{t('system.restarts')}</dt>
              <dd>{s.runtimeRestarts}</dd>
              <dt>{t('system.actionsInWindow')}</dt>
              <dd>{s.actionsInWindow}</dd>
            </dl>
            <div className="service-badges">
              {s.quarantine && (
                <Badge tone="bad">
                  <span title={s.quarantine.reason}>{t('system.quarantined')}</span>
                </Badge>
              )}
              {s.backoff && !s.quarantine && (
                <Badge tone="warn">
                  {t('system.backoff', {
                    attempt: s.backoff.attempt,
                    wait: i18n.duration(s.backoff.delaySeconds),
                  })}
                </Badge>
              )}
              {s.excluded && <Badge>{t('system.excluded')}</Badge>}
              {s.stoppedByOperator && <Badge>{t('system.stoppedByOperator')}</Badge>}
            </div>
            {s.healthReason && s.health !== 'healthy' && (
              <p className="muted service-reason">{s.healthReason}</p>
            )}
            {canAct && (
              <div className="service-actions">
                {s.quarantine ? (
                  <Button
                    className="btn-small"
                    variant="primary"
                    busy={busy === `${s.name}:release`}
                    onClick={() => void act(s.name, 'release')}
                    aria-label={t('system.releaseService', { name: s.name })}
                  >
                    {t('system.release')}
                  </Button>
                ) : null}
                <Button
                  className="btn-small"
                  busy={busy === `${s.name}:restart`}
                  onClick={() => void act(s.name, 'restart')}
                  aria-label={t('system.restartService', { name: s.name })}
                >
                  {t('system.restart')}
                </Button>
                {s.state === 'stopped' ? (
                  <Button
                    className="btn-small"
                    busy={busy === `${s.name}:start`}
                    onClick={() => void act(s.name, 'start')}
                    aria-label={t('system.startService', { name: s.name })}
                  >
                    {t('system.start')}
                  </Button>
                ) : (
                  <Button
                    className="btn-small"
                    variant="danger"
                    busy={busy === `${s.name}:stop`}
                    onClick={() => void act(s.name, 'stop')}
                    aria-label={t('system.stopService', { name: s.name })}
                  >
                    {t('system.stop')}
                  </Button>
                )}
              </div>
            )}
          </li>
        ))}
      </ul>
    </>
  );
}
