import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';

/** One CPU sample per row, kept 7 days (`cleanup_old_metrics`). */
export interface MetricsCpuTable {
  /** Sample time; primary key. */
  timestamp: Generated<Timestamp>;
  /** decimal(5,2): CPU usage in percent. */
  value: Numeric;
}

export type CpuMetric = Selectable<MetricsCpuTable>;
export type NewCpuMetric = Insertable<MetricsCpuTable>;
export type CpuMetricUpdate = Updateable<MetricsCpuTable>;
