import type { AlertMetric } from '@arasul/contracts/events/metrics';
import type { DiskUsage, MetricsSnapshot } from '@arasul/contracts/http/metrics';

/** The metrics the collector samples (the same names as the alert metrics). */
export type MetricName = AlertMetric;
export const METRIC_NAMES: readonly MetricName[] = ['cpu', 'ram', 'swap', 'gpu', 'temperature', 'disk'];

export function unitOf(metric: MetricName): '%' | '°C' {
  return metric === 'temperature' ? '°C' : '%';
}

export type { DiskUsage };

/** One sampling cycle. A value is `null` exactly when `unavailable` says why; it is never a made-up 0. */
export interface Sample {
  timestamp: Date;
  cpu: number | null;
  ram: number | null;
  swap: number | null;
  gpu: number | null;
  temperature: number | null;
  disk: DiskUsage | null;
  unavailable: Partial<Record<MetricName, string>>;
  /** Where a value came from when that is not obvious (e.g. `sysfs:/sys/devices/gpu.0/load`). */
  sources: Partial<Record<MetricName, string>>;
}

/** The JSON form of a sample: `GET /api/metrics/live`, every SSE event, the Redis snapshot. */
export type SnapshotDto = MetricsSnapshot;

/** The single number alerts and history use for a metric (disk: its percent). */
export function valueOf(sample: Sample, metric: MetricName): number | null {
  return metric === 'disk' ? (sample.disk?.percent ?? null) : sample[metric];
}

export function toSnapshot(sample: Sample): SnapshotDto {
  return {
    timestamp: sample.timestamp.toISOString(),
    cpu: sample.cpu,
    ram: sample.ram,
    swap: sample.swap,
    gpu: sample.gpu,
    temperature: sample.temperature,
    disk: sample.disk,
    unavailable: sample.unavailable,
    sources: sample.sources,
  };
}

export const round2 = (value: number): number => Math.round(value * 100) / 100;

/** What the sampler could find on this machine, for /health/ready and the log at start. */
export interface SourceReport {
  gpu: { source: string } | { fallback: string };
  temperature: { source: string } | { fallback: string };
}
