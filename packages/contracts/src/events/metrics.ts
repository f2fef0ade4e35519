import { z } from 'zod';
import { isoTimestamp } from './common';

export const alertMetric = z.enum(['cpu', 'ram', 'swap', 'gpu', 'temperature', 'disk']);
export type AlertMetric = z.infer<typeof alertMetric>;

export const alertSeverity = z.enum(['warning', 'critical']);
export type AlertSeverity = z.infer<typeof alertSeverity>;

/** One alert, as fired or resolved; `alertId` is the `alert_history` row, so fired and resolved pair up. */
const alertSchema = z.object({
  alertId: z.number().int().positive(),
  metric: alertMetric,
  /** Percent for cpu/ram/swap/gpu/disk, °C for temperature. */
  value: z.number(),
  threshold: z.number(),
  severity: alertSeverity,
  /** When the threshold was crossed (fired) or the value went back under it (resolved). */
  at: isoTimestamp,
});

export const metricsAlertFiredSchema = alertSchema;
export type MetricsAlertFired = z.infer<typeof metricsAlertFiredSchema>;

export const metricsAlertResolvedSchema = alertSchema;
export type MetricsAlertResolved = z.infer<typeof metricsAlertResolvedSchema>;
