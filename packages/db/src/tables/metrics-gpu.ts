import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';

/** One GPU sample per row, kept 7 days (`cleanup_old_metrics`). */
export interface MetricsGpuTable {
  /** Sample time; primary key. */
  timestamp: Generated<Timestamp>;
  /** decimal(5,2): GPU usage in percent. */
  value: Numeric;
}

export type GpuMetric = Selectable<MetricsGpuTable>;
export type NewGpuMetric = Insertable<MetricsGpuTable>;
export type GpuMetricUpdate = Updateable<MetricsGpuTable>;
