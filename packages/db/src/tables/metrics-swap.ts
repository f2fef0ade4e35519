import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';

/** One swap sample per row, kept 7 days (`cleanup_old_metrics`); added by migration 031. */
export interface MetricsSwapTable {
  /** Sample time; primary key. */
  timestamp: Generated<Timestamp>;
  /** decimal(5,2): swap in use, in percent of the swap space. */
  value: Numeric;
}

export type SwapMetric = Selectable<MetricsSwapTable>;
export type NewSwapMetric = Insertable<MetricsSwapTable>;
export type SwapMetricUpdate = Updateable<MetricsSwapTable>;
