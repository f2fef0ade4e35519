import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  /** A CSS custom property holding the colour, e.g. `--series-cpu`. */
  colorVar: string;
  values: (number | null)[];
}

interface Props {
  /** Seconds since the epoch, ascending. */
  xs: number[];
  /** The time window shown (seconds since the epoch), so a young history sits at the right edge. */
  xRange: [number, number];
  series: ChartSeries[];
  unit: string;
  yRange: [number, number];
  height?: number;
  label: string;
  /** Legend name of the time column. */
  timeLabel: string;
  locale: string;
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

/**
 * A time-series chart (uPlot: canvas, ~50 KB, built for exactly this). Rebuilt when the series set, the
 * unit or the colour scheme changes; new data for the same series only calls setData.
 */
export function HistoryChart({
  xs,
  xRange,
  series,
  unit,
  yRange,
  height = 220,
  label,
  timeLabel,
  locale,
}: Props) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const data = useRef<uPlot.AlignedData>([xs, ...series.map((s) => s.values)]);
  data.current = [xs, ...series.map((s) => s.values)];
  const shownRange = useRef(xRange);
  shownRange.current = xRange;
  const longRange = xRange[1] - xRange[0] > 86_400;
  const shape = `${series.map((s) => `${s.label}:${s.colorVar}`).join('|')}|${unit}|${yRange.join('-')}|${locale}|${longRange}|${timeLabel}`;

  useEffect(() => {
    const element = host.current;
    if (!element) return undefined;
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const format = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
    const tick = new Intl.DateTimeFormat(
      locale,
      longRange
        ? { day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' }
        : { hour: '2-digit', minute: '2-digit' },
    );
    const instant = new Intl.DateTimeFormat(locale, { dateStyle: 'short', timeStyle: 'medium' });
    const build = () => {
      plot.current?.destroy();
      const axisColor = cssVar('--text-muted');
      const gridColor = cssVar('--border');
      const options: uPlot.Options = {
        width: Math.max(200, element.clientWidth),
        height,
        tzDate: (ts) => new Date(ts * 1000),
        scales: { x: { time: true, range: () => shownRange.current }, y: { range: yRange } },
        series: [
          {
            label: timeLabel,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : instant.format(new Date(v * 1000))),
          },
          ...series.map((s) => ({
            label: s.label,
            stroke: cssVar(s.colorVar),
            width: 1.5,
            spanGaps: false,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : `${format.format(v)} ${unit}`),
          })),
        ],
        axes: [
          {
            stroke: axisColor,
            grid: { stroke: gridColor, width: 1 },
            ticks: { stroke: gridColor },
            values: (_u, splits) => splits.map((s) => tick.format(new Date(s * 1000))),
            space: longRange ? 90 : 60,
          },
          {
            stroke: axisColor,
            grid: { stroke: gridColor, width: 1 },
            ticks: { stroke: gridColor },
            values: (_u, values) => values.map((v) => `${format.format(v)} ${unit}`),
            size: 56,
          },
        ],
        legend: { live: true },
        cursor: { drag: { x: false, y: false } },
      };
      plot.current = new uPlot(options, data.current, element);
    };
    build();
    const resize = new ResizeObserver(() => {
      plot.current?.setSize({ width: Math.max(200, element.clientWidth), height });
    });
    resize.observe(element);
    scheme.addEventListener('change', build);
    return () => {
      resize.disconnect();
      scheme.removeEventListener('change', build);
      plot.current?.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `shape` covers series/unit/range/locale
  }, [shape, height]);

  useEffect(() => {
    plot.current?.setData(data.current);
  }, [xs, series, xRange]);

  return <div className="chart" ref={host} role="img" aria-label={label} />;
}
