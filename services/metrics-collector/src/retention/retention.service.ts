import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { METRIC_NAMES, type MetricName, unitOf } from '../sampling/sample';
import { RAW_TABLES } from '../storage/raw-tables';
import { sampleStore } from '../storage/samples.port';
import type { RetentionJob } from './retention.job';

export interface MetricRetentionDto {
  metric: MetricName;
  unit: '%' | '°C';
  table: string;
  rows: number;
  oldestSample: string | null;
  newestSample: string | null;
  bytes: number;
  /** bytes / rows: what one stored sample costs on disk, indexes included. */
  bytesPerSample: number | null;
  rollups: { rows: number; oldestHour: string | null; newestHour: string | null };
}

export interface RetentionDto {
  raw: { keptDays: number; resolution: string };
  rollups: { keptDays: number; resolution: 'hour'; table: string; bytes: number };
  deletion: { intervalSeconds: number; batchSize: number };
  lastRun: {
    startedAt: string;
    finishedAt: string;
    rolledUpHours: Record<string, number>;
    deleted: Record<string, number>;
  } | null;
  metrics: MetricRetentionDto[];
}

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

/** `GET /api/metrics/retention`: what is kept, for how long, and what it costs. */
export class RetentionService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly job: RetentionJob,
    private readonly intervalMs: number,
  ) {}

  async report(): Promise<RetentionDto> {
    const [raw, rollups] = await Promise.all([
      Promise.all(METRIC_NAMES.map((metric) => sampleStore.rawStats(this.db, metric))),
      sampleStore.rollupStats(this.db),
    ]);
    const { policy } = this.job;
    return {
      raw: { keptDays: policy.rawDays, resolution: `${this.intervalMs} ms` },
      rollups: {
        keptDays: policy.rollupDays,
        resolution: 'hour',
        table: 'metrics_hourly_rollups',
        bytes: rollups.bytes,
      },
      deletion: { intervalSeconds: policy.intervalSeconds, batchSize: policy.batchSize },
      lastRun: this.job.lastReport,
      metrics: METRIC_NAMES.map((metric, i) => {
        const stats = raw[i] ?? { rows: 0, oldest: null, newest: null, bytes: 0 };
        const rolled = rollups.perMetric.find((r) => r.metric === metric);
        return {
          metric,
          unit: unitOf(metric),
          table: RAW_TABLES[metric].table,
          rows: stats.rows,
          oldestSample: iso(stats.oldest),
          newestSample: iso(stats.newest),
          bytes: stats.bytes,
          bytesPerSample: stats.rows > 0 ? Math.round((stats.bytes / stats.rows) * 10) / 10 : null,
          rollups: {
            rows: rolled?.rows ?? 0,
            oldestHour: iso(rolled?.oldest ?? null),
            newestHour: iso(rolled?.newest ?? null),
          },
        };
      }),
    };
  }
}
