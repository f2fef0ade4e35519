import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric } from '../column-types';

/** One temperature sample per row, kept 7 days (`cleanup_old_metrics`). */
export interface MetricsTemperatureTable {
  /** Sample time; primary key. */
  timestamp: Generated<Timestamp>;
  /** decimal(5,2): temperature in °C. */
  value: Numeric;
}

export type TemperatureMetric = Selectable<MetricsTemperatureTable>;
export type NewTemperatureMetric = Insertable<MetricsTemperatureTable>;
export type TemperatureMetricUpdate = Updateable<MetricsTemperatureTable>;
