import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric, Int8 } from '../column-types';

/** One disk sample per row, kept 7 days (`cleanup_old_metrics`). */
export interface MetricsDiskTable {
  /** Sample time; primary key. */
  timestamp: Generated<Timestamp>;
  /** Used bytes. */
  used: Int8;
  /** Free bytes. */
  free: Int8;
  /** decimal(5,2): usage in percent. */
  percent: Numeric;
}

export type DiskMetric = Selectable<MetricsDiskTable>;
export type NewDiskMetric = Insertable<MetricsDiskTable>;
export type DiskMetricUpdate = Updateable<MetricsDiskTable>;
