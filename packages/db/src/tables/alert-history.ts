import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';
import type { AlertMetricType } from './alert-thresholds';

/** Postgres enum alert_severity. */
export type AlertSeverity = 'warning' | 'critical';

/** Fired alerts; open while `resolved_at` is NULL. */
export interface AlertHistoryTable {
  id: Generated<number>;
  metric_type: AlertMetricType;
  severity: AlertSeverity;
  /** decimal(10,2). */
  value: Numeric;
  /** decimal(10,2): the threshold that was exceeded. */
  threshold: Numeric;
  triggered_at: Generated<Timestamp>;
  resolved_at: Timestamp | null;
  notification_sent: Generated<boolean>;
}

export type AlertHistoryEntry = Selectable<AlertHistoryTable>;
export type NewAlertHistoryEntry = Insertable<AlertHistoryTable>;
export type AlertHistoryEntryUpdate = Updateable<AlertHistoryTable>;
