import type { AlertSeverity } from '@arasul/contracts/events/metrics';
import type { MetricName } from '../sampling/sample';

/** One metric's alert settings, as numbers. */
export interface ThresholdSettings {
  metric: MetricName;
  warning: number;
  critical: number;
  enabled: boolean;
  cooldownSeconds: number;
  /** Consecutive samples a level must hold before it fires, escalates, de-escalates or clears. */
  forSamples: number;
  /** A level clears only when the value is this far below its threshold. */
  clearDelta: number;
}

/** How many consecutive samples, up to the current one, were in each band. */
export interface Counters {
  atOrAboveWarning: number;
  atOrAboveCritical: number;
  /** value < warning - clearDelta */
  clearOfWarning: number;
  /** value < critical - clearDelta */
  clearOfCritical: number;
}

export const ZERO_COUNTERS: Counters = Object.freeze({
  atOrAboveWarning: 0,
  atOrAboveCritical: 0,
  clearOfWarning: 0,
  clearOfCritical: 0,
});

/** Counters saturate here; nothing needs more than `forSamples` (≤ 100). */
const CAP = 1000;
const bump = (n: number, hit: boolean): number => (hit ? Math.min(CAP, n + 1) : 0);

export function countSample(previous: Counters, value: number, t: ThresholdSettings): Counters {
  return {
    atOrAboveWarning: bump(previous.atOrAboveWarning, value >= t.warning),
    atOrAboveCritical: bump(previous.atOrAboveCritical, value >= t.critical),
    clearOfWarning: bump(previous.clearOfWarning, value < t.warning - t.clearDelta),
    clearOfCritical: bump(previous.clearOfCritical, value < t.critical - t.clearDelta),
  };
}

export type Decision =
  | { kind: 'none' }
  | { kind: 'fire'; severity: AlertSeverity }
  /** A level held long enough, but the metric's cooldown has not run out yet. */
  | { kind: 'suppressed'; severity: AlertSeverity }
  | { kind: 'change'; severity: AlertSeverity }
  | { kind: 'resolve' };

/**
 * The alert state machine of one metric, per sample. A level fires only after it held for `forSamples`
 * consecutive samples, and an open alert moves (warning ↔ critical) or resolves only after its value
 * stayed `clearDelta` below the threshold for `forSamples` samples, so noise around a threshold neither
 * opens nor closes alerts. Escalation and de-escalation change the open alert; they never open another.
 */
export function decide(
  counters: Counters,
  open: AlertSeverity | null,
  t: ThresholdSettings,
  inCooldown: boolean,
): Decision {
  const n = t.forSamples;
  if (!t.enabled) return open ? { kind: 'resolve' } : { kind: 'none' };
  if (open === null) {
    const severity: AlertSeverity | null =
      counters.atOrAboveCritical >= n ? 'critical' : counters.atOrAboveWarning >= n ? 'warning' : null;
    if (severity === null) return { kind: 'none' };
    return inCooldown ? { kind: 'suppressed', severity } : { kind: 'fire', severity };
  }
  if (counters.clearOfWarning >= n) return { kind: 'resolve' };
  if (open === 'warning' && counters.atOrAboveCritical >= n) return { kind: 'change', severity: 'critical' };
  if (open === 'critical' && counters.clearOfCritical >= n) return { kind: 'change', severity: 'warning' };
  return { kind: 'none' };
}

export function thresholdFor(t: ThresholdSettings, severity: AlertSeverity): number {
  return severity === 'critical' ? t.critical : t.warning;
}
