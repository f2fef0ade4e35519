import { useState, useCallback } from 'react';
import type { Api } from '../../api/endpoints';
import type { AlertDto } from '@arasul/contracts';
import { hasRole, useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { Badge, Button, Card, ErrorNotice, Notice } from '../../ui/components';
import { useLoad } from '../../ui/hooks';

export function AlertsPanel({ api }: { api: Api }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { user } = useApp();
  const alerts = useLoad(
    useCallback(() => api.activeAlerts(), [api]),
    15_000,
  );
  const [acknowledging, setAcknowledging] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const canAcknowledge = hasRole(user, 'operator');

  const acknowledge = async (alert: AlertDto) => {
    setAcknowledging(alert.id);
    setError(undefined);
    try {
      await api.acknowledgeAlert(alert.id);
      alerts.reload();
    } catch (reason) {
      setError(reason);
    } finally {
      setAcknowledging(null);
    }
  };

  const items = alerts.data ?? [];
  return (
    <Card title={t('overview.alerts')} data-testid="alerts">
      {alerts.error !== undefined && <ErrorNotice error={alerts.error} onRetry={alerts.reload} />}
      {error !== undefined && <ErrorNotice error={error} />}
      {alerts.data && items.length === 0 && <Notice kind="success">{t('overview.noAlerts')}</Notice>}
      <ul className="alert-list">
        {items.map((alert) => (
          <li key={alert.id} className={`alert-item severity-${alert.severity}`}>
            <div className="alert-main">
              <Badge tone={alert.severity === 'critical' ? 'bad' : 'warn'}>
                {t(`severity.${alert.severity}`)}
              </Badge>
              <strong>{t(`metric.${alert.metric}`)}</strong>
              <span>
                {t('overview.alertValue', {
                  value: `${i18n.number(alert.peakValue ?? alert.value, 1)} ${alert.unit}`,
                  threshold: `${i18n.number(alert.threshold, 0)} ${alert.unit}`,
                })}
              </span>
            </div>
            <div className="alert-meta muted">
              <time dateTime={alert.triggeredAt} title={i18n.dateTime(alert.triggeredAt)}>
                {t('overview.since', { time: i18n.relative(alert.triggeredAt) })}
              </time>
              {alert.acknowledged ? (
                <span>
                  {t('overview.acknowledgedBy', {
                    name: alert.acknowledged.by.username ?? '—',
                    time: i18n.relative(alert.acknowledged.at),
                  })}
                </span>
              ) : (
                canAcknowledge && (
                  <Button
                    className="btn-small"
                    busy={acknowledging === alert.id}
                    onClick={() => void acknowledge(alert)}
                  >
                    {t('overview.acknowledge')}
                  </Button>
                )
              )}
            </div>
          </li>
        ))}
      </ul>
    </Card>
  );
}
