import type { HistoryPoint } from '@arasul/contracts';

export interface AlignedHistory {
  xs: number[];
  values: Record<string, (number | null)[]>;
}

/** Each metric comes with its own buckets (empty ones are left out): merge them onto one time axis. */
export function alignHistory(byMetric: Record<string, HistoryPoint[]>): AlignedHistory {
  const times = new Set<number>();
  for (const points of Object.values(byMetric)) for (const p of points) times.add(Date.parse(p.t) / 1000);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((x, i) => [x, i]));
  const values: Record<string, (number | null)[]> = {};
  for (const [metric, points] of Object.entries(byMetric)) {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const p of points) {
      const i = index.get(Date.parse(p.t) / 1000);
      if (i !== undefined) column[i] = p.avg;
    }
    values[metric] = column;
  }
  return { xs, values };
}
