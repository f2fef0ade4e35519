import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Numeric, Timestamp } from '../column-types';

/** Postgres enum alert_metric_type (gpu and swap added by migration 031). */
export type AlertMetricType = 'cpu' | 'ram' | 'disk' | 'temperature' | 'gpu' | 'swap';

/** Warning/critical thresholds, one row per metric (the defaults are inserted by migrations 010 and 031). */
export interface AlertThresholdsTable {
  id: Generated<number>;
  /** Unique. */
  metric_type: AlertMetricType;
  /** decimal(5,2); at most critical_threshold. */
  warning_threshold: Numeric;
  /** decimal(5,2). */
  critical_threshold: Numeric;
  enabled: Generated<boolean>;
  /** Minimum seconds between two alerts; default 300. */
  cooldown_seconds: Generated<number>;
  display_name: string;
  /** Consecutive samples a level must hold before it fires (migration 031; default 3). */
  for_samples: Generated<number>;
  /** decimal(5,2): how far below a threshold the value must drop to clear it (migration 031; default 5). */
  clear_delta: Generated<Numeric>;
  updated_at: Generated<Timestamp>;
}

export type AlertThreshold = Selectable<AlertThresholdsTable>;
export type NewAlertThreshold = Insertable<AlertThresholdsTable>;
export type AlertThresholdUpdate = Updateable<AlertThresholdsTable>;
