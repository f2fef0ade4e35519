import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Numeric } from '../column-types';

/** Postgres enum alert_metric_type. */
export type AlertMetricType = 'cpu' | 'ram' | 'disk' | 'temperature';

/** Warning/critical thresholds, one row per metric (the four defaults are inserted by the migration). */
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
}

export type AlertThreshold = Selectable<AlertThresholdsTable>;
export type NewAlertThreshold = Insertable<AlertThresholdsTable>;
export type AlertThresholdUpdate = Updateable<AlertThresholdsTable>;
