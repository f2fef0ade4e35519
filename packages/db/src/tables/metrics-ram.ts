import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';

/** One RAM sample per row, kept 7 days (`cleanup_old_metrics`). */
export interface MetricsRamTable {
  /** Sample time; primary key. */
  timestamp: Generated<Timestamp>;
  /** decimal(5,2): RAM usage in percent. */
  value: Numeric;
}

export type RamMetric = Selectable<MetricsRamTable>;
export type NewRamMetric = Insertable<MetricsRamTable>;
export type RamMetricUpdate = Updateable<MetricsRamTable>;
