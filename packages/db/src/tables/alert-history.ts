import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';
import type { AlertMetricType } from './alert-thresholds';

/** Postgres enum alert_severity. */
export type AlertSeverity = 'warning' | 'critical';

/** Fired alerts; open while `resolved_at` is NULL (at most one open per metric, migration 031). */
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
  /** The severity the alert was opened with; `severity` is the current one (migration 031). */
  initial_severity: AlertSeverity;
  severity_changed_at: Timestamp | null;
  /** decimal(10,2): the highest value seen while open. */
  peak_value: Numeric | null;
  /** decimal(10,2): the value that resolved it. */
  resolved_value: Numeric | null;
  acknowledged_at: Timestamp | null;
  /** FK admin_users.id (set null). */
  acknowledged_by: number | null;
}

export type AlertHistoryEntry = Selectable<AlertHistoryTable>;
export type NewAlertHistoryEntry = Insertable<AlertHistoryTable>;
export type AlertHistoryEntryUpdate = Updateable<AlertHistoryTable>;
