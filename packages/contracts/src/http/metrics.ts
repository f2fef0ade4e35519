import { z } from 'zod';
import { alertMetric } from '../events/metrics';
import { isoDateTimeSchema } from './common';

/** The metrics the collector samples (the same names as the alert metrics). */
export const METRIC_NAMES = alertMetric.options;
export const metricNameSchema = alertMetric;
export type MetricName = z.infer<typeof metricNameSchema>;

export const metricUnitSchema = z.enum(['%', '°C']);
export type MetricUnit = z.infer<typeof metricUnitSchema>;

export const diskUsageSchema = z.object({
  /** Bytes. */
  used: z.number(),
  free: z.number(),
  percent: z.number(),
});
export type DiskUsage = z.infer<typeof diskUsageSchema>;

const perMetric = z.partialRecord(metricNameSchema, z.string());

/** One sample: `GET /api/metrics/live`, every `sample` event of `GET /api/metrics/stream`. */
export const metricsSnapshotSchema = z.object({
  timestamp: isoDateTimeSchema,
  cpu: z.number().nullable(),
  ram: z.number().nullable(),
  swap: z.number().nullable(),
  gpu: z.number().nullable(),
  temperature: z.number().nullable(),
  disk: diskUsageSchema.nullable(),
  /** Why a value is null. */
  unavailable: perMetric,
  /** Where a value came from when that is not obvious (e.g. `sysfs:/sys/devices/gpu.0/load`). */
  sources: perMetric,
});
export type MetricsSnapshot = z.infer<typeof metricsSnapshotSchema>;

export const HISTORY_RANGES = ['1h', '6h', '24h', '7d', '30d', '1y'] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

/** `GET /api/metrics/history` query. */
export const historyQuerySchema = z.object({
  metric: metricNameSchema,
  range: z.enum(HISTORY_RANGES).default('1h'),
  points: z.coerce.number().int().min(1).max(2000).default(300),
});
export type HistoryQuery = z.input<typeof historyQuerySchema>;

/** One bucket of `GET /api/metrics/history`; `t` is the start of the bucket. */
export const historyPointSchema = z.object({
  t: isoDateTimeSchema,
  avg: z.number(),
  min: z.number(),
  max: z.number(),
});
export type HistoryPoint = z.infer<typeof historyPointSchema>;
export const historySchema = z.array(historyPointSchema);
