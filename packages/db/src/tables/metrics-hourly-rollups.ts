import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Timestamp } from '../column-types';

/** The metrics the collector samples; the `metric` of a rollup row. */
export type RollupMetric = 'cpu' | 'ram' | 'swap' | 'gpu' | 'temperature' | 'disk';

/** min/avg/max/count of one metric over one hour, kept one year (migration 031). Disk rolls up its percent. */
export interface MetricsHourlyRollupsTable {
  /** Primary key with `bucket`. */
  metric: RollupMetric;
  /** Start of the hour. */
  bucket: Timestamp;
  /** double precision. */
  min_value: number;
  avg_value: number;
  max_value: number;
  /** Raw samples the row summarises (> 0). */
  sample_count: number;
}

export type MetricsHourlyRollup = Selectable<MetricsHourlyRollupsTable>;
export type NewMetricsHourlyRollup = Insertable<MetricsHourlyRollupsTable>;
export type MetricsHourlyRollupUpdate = Updateable<MetricsHourlyRollupsTable>;
