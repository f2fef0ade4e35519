import type { MetricName } from '../sampling/sample';

/** The raw-sample table of each metric and the column that holds its single value (disk: percent). */
export const RAW_TABLES = {
  cpu: { table: 'metrics_cpu', column: 'value' },
  ram: { table: 'metrics_ram', column: 'value' },
  swap: { table: 'metrics_swap', column: 'value' },
  gpu: { table: 'metrics_gpu', column: 'value' },
  temperature: { table: 'metrics_temperature', column: 'value' },
  disk: { table: 'metrics_disk', column: 'percent' },
} as const satisfies Record<MetricName, { table: string; column: string }>;

export type RawTable = (typeof RAW_TABLES)[MetricName]['table'];
