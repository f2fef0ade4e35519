import { useCallback } from 'react';
import type { MetricName, ThresholdDto } from '@arasul/contracts';
import { useApp } from '../../app/context';
import { useI18n } from '../../i18n/i18n';
import { useLoad } from '../../ui/hooks';
import { AlertsPanel } from './AlertsPanel';
import { HealthPanel } from './HealthPanel';
import { HistorySection } from './HistorySection';
import { useLiveMetrics } from './live-metrics';
import { MetricCard } from './MetricCard';

/** The live cards of the overview, in order (swap is shown only in the history). */
const LIVE_METRICS: readonly MetricName[] = ['cpu', 'ram', 'gpu', 'temperature', 'disk'];

export default function OverviewPage() {
  const { api } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const live = useLiveMetrics(api);
  const thresholds = useLoad(
    useCallback(() => api.thresholds(), [api]),
    300_000,
  );
  const byMetric = new Map<MetricName, ThresholdDto>((thresholds.data ?? []).map((th) => [th.metric, th]));

  return (
    <div className="page overview">
      <div className="page-header">
        <h1>{t('overview.title')}</h1>
        <p className="live-status" data-testid="live-status" data-status={live.status} aria-live="polite">
          <span className={`dot dot-${live.status === 'live' ? 'ok' : 'warn'}`} aria-hidden="true" />
          {t(`live.${live.status}`)}
          {live.snapshot && (
            <span className="muted">
              {' '}
              · {t('live.updated', { time: i18n.time(live.snapshot.timestamp) })}
            </span>
          )}
        </p>
      </div>
      <h2 className="visually-hidden">{t('overview.liveValues')}</h2>
      <div className="metric-grid" data-testid="live-metrics">
        {LIVE_METRICS.map((metric) => (
          <MetricCard
            key={metric}
            metric={metric}
            snapshot={live.snapshot}
            recent={live.recent[metric]}
            threshold={byMetric.get(metric)}
          />
        ))}
      </div>
      <HistorySection api={api} />
      <div className="two-columns">
        <AlertsPanel api={api} />
        <HealthPanel api={api} />
      </div>
    </div>
  );
}
