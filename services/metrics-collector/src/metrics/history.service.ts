import type { HistoryPoint } from '@arasul/contracts/http/metrics';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type MetricName, round2 } from '../sampling/sample';
import { sampleStore } from '../storage/samples.port';

/**
 * Up to a day is read from raw samples (at most 86,400 rows at 1 s sampling). Longer ranges read the
 * hourly rollups plus the raw samples of the hour not rolled up yet: aggregating a week of 1-second
 * samples scans 604,800 rows (~250–500 ms on this class of machine), the rollups of it 168 rows.
 */
export const HISTORY_RANGES = {
  '1h': { seconds: 3600, source: 'raw' },
  '6h': { seconds: 6 * 3600, source: 'raw' },
  '24h': { seconds: 24 * 3600, source: 'raw' },
  '7d': { seconds: 7 * 86_400, source: 'rollup' },
  '30d': { seconds: 30 * 86_400, source: 'rollup' },
  '1y': { seconds: 365 * 86_400, source: 'rollup' },
} as const;
export type HistoryRange = keyof typeof HISTORY_RANGES;
export const HISTORY_RANGE_NAMES = Object.keys(HISTORY_RANGES) as [HistoryRange, ...HistoryRange[]];

export type HistoryPointDto = HistoryPoint;

export interface BucketPlan {
  from: Date;
  until: Date;
  widthSeconds: number;
}

/**
 * Buckets for `points` points over the last `rangeSeconds`: the width is a whole multiple of
 * `unitSeconds` (1 s raw, 1 h rollups) and the start is aligned to the width, so the same bucket keeps
 * its value between two refreshes. With width ≥ range / (points - 1) the aligned window [from, now]
 * touches at most `points` buckets, which is the bound the API promises.
 */
export function planBuckets(
  rangeSeconds: number,
  points: number,
  nowMs: number,
  unitSeconds: number,
): BucketPlan {
  const unitMs = unitSeconds * 1000;
  if (points <= 1) {
    const fromMs = Math.floor((nowMs - rangeSeconds * 1000) / unitMs) * unitMs;
    const untilMs = Math.floor(nowMs / unitMs) * unitMs + unitMs;
    return { from: new Date(fromMs), until: new Date(untilMs), widthSeconds: (untilMs - fromMs) / 1000 };
  }
  const widthSeconds = Math.max(1, Math.ceil(rangeSeconds / (points - 1) / unitSeconds)) * unitSeconds;
  const widthMs = widthSeconds * 1000;
  const fromMs = Math.floor((nowMs - rangeSeconds * 1000) / widthMs) * widthMs;
  return { from: new Date(fromMs), until: new Date(fromMs + points * widthMs), widthSeconds };
}

export interface HistoryResult {
  points: HistoryPointDto[];
  source: 'raw' | 'rollup';
  bucketSeconds: number;
}

/** Downsampled history, computed in SQL: never more than `points` rows leave the database. */
export class HistoryService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly now: () => number = Date.now,
  ) {}

  async history(metric: MetricName, range: HistoryRange, points: number): Promise<HistoryResult> {
    const spec = HISTORY_RANGES[range];
    const plan = planBuckets(spec.seconds, points, this.now(), spec.source === 'raw' ? 1 : 3600);
    const query = { metric, from: plan.from, until: plan.until, widthSeconds: plan.widthSeconds };
    const rows =
      spec.source === 'raw'
        ? await sampleStore.rawBuckets(this.db, query)
        : await sampleStore.rollupBuckets(this.db, query);
    return {
      source: spec.source,
      bucketSeconds: plan.widthSeconds,
      points: rows.map((row) => ({
        t: row.t.toISOString(),
        avg: round2(row.avg),
        min: round2(row.min),
        max: round2(row.max),
      })),
    };
  }
}
