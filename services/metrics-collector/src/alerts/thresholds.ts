import type { MetricName } from '../sampling/sample';
import { unitOf } from '../sampling/sample';
import type { ThresholdSettings } from './alerts.engine';
import { ClearDeltaError, ThresholdOrderError, ThresholdRangeError } from './alerts.errors';
import type { ThresholdRow } from './alerts.repository';

export function toThresholdSettings(row: ThresholdRow): ThresholdSettings {
  return {
    metric: row.metric_type,
    warning: Number(row.warning_threshold),
    critical: Number(row.critical_threshold),
    enabled: row.enabled,
    cooldownSeconds: row.cooldown_seconds,
    forSamples: row.for_samples,
    clearDelta: Number(row.clear_delta),
  };
}

/** Where a threshold may sit: percentages 0–100, temperatures 20–120 °C (a Jetson throttles near 100). */
export function thresholdRange(metric: MetricName): { min: number; max: number; unit: string } {
  return metric === 'temperature'
    ? { min: 20, max: 120, unit: '°C' }
    : { min: 0, max: 100, unit: unitOf(metric) };
}

/** Checks a merged (current + changed) setting; throws the 400 that names what is wrong. */
export function assertValidThresholds(metric: MetricName, s: ThresholdSettings): void {
  const range = thresholdRange(metric);
  for (const [field, value] of [
    ['warningThreshold', s.warning],
    ['criticalThreshold', s.critical],
  ] as const) {
    if (value < range.min || value > range.max) {
      throw new ThresholdRangeError(field, value, range.min, range.max, range.unit);
    }
  }
  if (s.warning >= s.critical) throw new ThresholdOrderError(s.warning, s.critical);
  // Below warning - clearDelta must be reachable, or an alert could never clear.
  if (s.warning - s.clearDelta <= range.min) throw new ClearDeltaError(s.clearDelta, s.warning, range.min);
}
