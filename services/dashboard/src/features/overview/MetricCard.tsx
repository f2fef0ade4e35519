import { memo } from 'react';
import type { MetricName, MetricsSnapshot, ThresholdDto } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { valueOf } from './live-metrics';

type Level = 'ok' | 'warn' | 'bad' | 'none';

export function levelOf(value: number | null, threshold: ThresholdDto | undefined): Level {
  if (value === null) return 'none';
  if (!threshold?.enabled) return 'ok';
  if (value >= threshold.criticalThreshold) return 'bad';
  if (value >= threshold.warningThreshold) return 'warn';
  return 'ok';
}

/** The recent values as an SVG line: cheap to redraw every sample, no chart library needed. */
function Sparkline({ values, max }: { values: (number | null)[]; max: number }) {
  if (values.length < 2) return <svg className="sparkline" viewBox="0 0 100 24" aria-hidden="true" />;
  const step = 100 / (values.length - 1);
  let path = '';
  let pen = false;
  values.forEach((v, i) => {
    if (v === null) {
      pen = false;
      return;
    }
    const y = 23 - (Math.min(Math.max(v, 0), max) / max) * 22;
    path += `${pen ? 'L' : 'M'}${(i * step).toFixed(1)} ${y.toFixed(1)}`;
    pen = true;
  });
  return (
    <svg className="sparkline" viewBox="0 0 100 24" preserveAspectRatio="none" aria-hidden="true">
      <path d={path} vectorEffect="non-scaling-stroke" />
    </svg>
  );
}

interface Props {
  metric: MetricName;
  snapshot: MetricsSnapshot | null;
  recent: (number | null)[];
  threshold: ThresholdDto | undefined;
}

/** One live value: the number, how full it is, its recent course, and whether it crosses a threshold. */
export const MetricCard = memo(function MetricCard({ metric, snapshot, recent, threshold }: Props) {
  const i18n = useI18n();
  const { t } = i18n;
  const value = snapshot ? valueOf(snapshot, metric) : null;
  const unit = metric === 'temperature' ? '°C' : '%';
  const scaleMax = metric === 'temperature' ? 110 : 100;
  const level = levelOf(value, threshold);
  const reason = snapshot?.unavailable[metric];
  const percent = value === null ? 0 : Math.min(100, (Math.max(0, value) / scaleMax) * 100);

  let detail: string | null = null;
  if (metric === 'disk' && snapshot?.disk) {
    detail = t('overview.diskDetail', {
      used: i18n.bytes(snapshot.disk.used),
      total: i18n.bytes(snapshot.disk.used + snapshot.disk.free),
    });
  } else if (metric === 'ram' && snapshot?.swap !== null && snapshot?.swap !== undefined) {
    detail = t('overview.swapDetail', { swap: i18n.number(snapshot.swap, 0) });
  }

  return (
    <section
      className={`metric-card level-${level}`}
      data-testid={`metric-${metric}`}
      data-value={value ?? ''}
      aria-label={t(`metric.${metric}`)}
    >
      <header className="metric-head">
        <h3>{t(`metric.${metric}`)}</h3>
        {level === 'warn' && <span className="badge badge-warn">{t('severity.warning')}</span>}
        {level === 'bad' && <span className="badge badge-bad">{t('severity.critical')}</span>}
      </header>
      {value === null ? (
        <div className="metric-unavailable">
          <div className="metric-value muted">—</div>
          <p className="metric-detail" title={reason}>
            {snapshot ? t('overview.unavailable') : t('overview.waitingForData')}
          </p>
        </div>
      ) : (
        <>
          <div className="metric-value">
            <span data-testid={`metric-${metric}-value`}>{i18n.number(value, 1)}</span>
            <span className="metric-unit">{unit}</span>
          </div>
          <div
            className="meter"
            role="meter"
            aria-valuemin={0}
            aria-valuemax={scaleMax}
            aria-valuenow={value}
            aria-label={t(`metric.${metric}`)}
          >
            <div className="meter-fill" style={{ width: `${percent}%` }} />
          </div>
          <p className="metric-detail">{detail ?? '\u00a0'}</p>
        </>
      )}
      <Sparkline values={recent} max={scaleMax} />
    </section>
  );
});
