import { useState, useCallback } from 'react';
import type { Api } from '../../api/endpoints';
import type { MetricName } from '@arasul/contracts';
import { useI18n } from '../../i18n/i18n';
import { Card, ErrorNotice, Spinner } from '../../ui/components';
import { useLoad } from '../../ui/hooks';
import { HistoryChart } from './HistoryChart';
import { alignHistory } from './history';

/** The ranges the overview offers (the service also answers 30d and 1y). */
const HISTORY_RANGES = ['1h', '6h', '24h', '7d'] as const;
type HistoryRange = (typeof HISTORY_RANGES)[number];

const PERCENT_METRICS: MetricName[] = ['cpu', 'ram', 'gpu', 'disk'];
const POINTS = 240;
const RANGE_SECONDS: Record<HistoryRange, number> = {
  '1h': 3600,
  '6h': 6 * 3600,
  '24h': 86_400,
  '7d': 7 * 86_400,
};
/** How often a range is fetched again: about every bucket or two, never more than twice a minute. */
const REFRESH_MS: Record<HistoryRange, number> = {
  '1h': 30_000,
  '6h': 120_000,
  '24h': 300_000,
  '7d': 900_000,
};

export function HistorySection({ api }: { api: Api }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [range, setRange] = useState<HistoryRange>('1h');
  const history = useLoad(
    useCallback(
      async (signal) => {
        const metrics: MetricName[] = [...PERCENT_METRICS, 'temperature'];
        const results = await Promise.all(metrics.map((m) => api.history(m, range, POINTS, signal)));
        const now = Math.round(Date.now() / 1000);
        return {
          ...alignHistory(Object.fromEntries(metrics.map((m, i) => [m, results[i] ?? []]))),
          xRange: [now - RANGE_SECONDS[range], now] as [number, number],
        };
      },
      [api, range],
    ),
    REFRESH_MS[range],
  );
  const data = history.data;
  const measured = (metric: MetricName) => data?.values[metric]?.some((v) => v !== null) ?? false;
  // A metric this device cannot measure (no GPU, no sensor) gets no line and no legend entry.
  const percentMetrics = PERCENT_METRICS.filter(measured);

  return (
    <Card
      title={t('overview.history')}
      actions={
        <div className="segmented" role="radiogroup" aria-label={t('overview.range')}>
          {HISTORY_RANGES.map((r) => (
            <button
              key={r}
              type="button"
              role="radio"
              aria-checked={range === r}
              className={range === r ? 'active' : ''}
              onClick={() => setRange(r)}
              data-testid={`range-${r}`}
            >
              {t(`range.${r}`)}
            </button>
          ))}
        </div>
      }
    >
      {history.error !== undefined && <ErrorNotice error={history.error} onRetry={history.reload} />}
      {!data && history.loading && <Spinner label={t('common.loading')} />}
      {data?.xs.length === 0 && <p className="muted">{t('overview.noHistory')}</p>}
      {data && data.xs.length > 0 && (
        <div className="charts" data-testid="history-charts">
          <HistoryChart
            label={t('overview.utilization')}
            timeLabel={t('overview.time')}
            locale={i18n.locale}
            xs={data.xs}
            xRange={data.xRange}
            unit="%"
            yRange={[0, 100]}
            series={percentMetrics.map((m) => ({
              label: t(`metric.${m}`),
              colorVar: `--series-${m}`,
              values: data.values[m] ?? [],
            }))}
          />
          {measured('temperature') && (
            <HistoryChart
              label={t('metric.temperature')}
              timeLabel={t('overview.time')}
              locale={i18n.locale}
              xs={data.xs}
              xRange={data.xRange}
              unit="°C"
              yRange={[20, 100]}
              height={160}
              series={[
                {
                  label: t('metric.temperature'),
                  colorVar: '--series-temperature',
                  values: data.values.temperature ?? [],
                },
              ]}
            />
          )}
        </div>
      )}
    </Card>
  );
}
