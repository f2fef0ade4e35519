import { z } from 'zod';
import { type Env, commonEnvShape, env, loadConfig, loadConfigOrExit } from '@arasul/service-kit/config';

const optionalPath = z.string().min(1).max(4096).optional();

export const metricsEnvSchema = z.object({
  ...commonEnvShape,
  METRICS_PORT: env.port(8083),
  METRICS_HOST: z.string().default('127.0.0.1'),
  INTERNAL_SECRET: z.string().min(32, 'INTERNAL_SECRET must be at least 32 characters'),
  /** One sample every this many ms. */
  METRICS_INTERVAL_MS: env.int(5000, 1000, 60_000),
  /** A path on the data volume; disk usage is that file system's. */
  METRICS_DISK_PATH: z.string().min(1).default('/'),
  /** Jetson: the GPU's sysfs `load` file (per mille). Unset: known Jetson paths are tried, then nvidia-smi. */
  METRICS_GPU_LOAD_PATH: optionalPath,
  /** Directory of the thermal_zone* entries. */
  METRICS_THERMAL_ROOT: z.string().min(1).default('/sys/class/thermal'),
  /** Ask nvidia-smi for the GPU load when no sysfs source exists and the binary is on PATH. */
  METRICS_NVIDIA_SMI: env.bool(true),
  /** Samples are written in one batch every this many ms. */
  METRICS_FLUSH_INTERVAL_MS: env.int(10_000, 1000, 300_000),
  /** Raw samples kept (seed: 7 days); hourly rollups kept for long ranges. */
  METRICS_RAW_RETENTION_DAYS: env.int(7, 1, 90),
  METRICS_ROLLUP_RETENTION_DAYS: env.int(365, 1, 3650),
  METRICS_RETENTION_INTERVAL_SECONDS: env.int(3600, 10, 86_400),
  /** Rows per DELETE statement of the retention job. */
  METRICS_RETENTION_BATCH: env.int(5000, 100, 100_000),
  METRICS_STREAM_MAX_CLIENTS: env.int(100, 1, 10_000),
  METRICS_STREAM_HEARTBEAT_MS: env.int(15_000, 1000, 60_000),
  /** A live-stream client with more than this many unsent bytes is disconnected. */
  METRICS_STREAM_MAX_BUFFERED_BYTES: env.int(256 * 1024, 1024, 16 * 1024 * 1024),
  /** Where `nvidia-smi` is looked for. */
  PATH: z.string().optional(),
});

export type MetricsConfig = Readonly<z.output<typeof metricsEnvSchema>>;

/** Throws `ConfigError` listing every bad variable (tests use this). */
export function parseMetricsConfig(source: Env): MetricsConfig {
  return loadConfig(metricsEnvSchema, source);
}

/** For main: print every bad variable and exit non-zero. */
export function loadMetricsConfig(source: Env = process.env): MetricsConfig {
  return loadConfigOrExit(metricsEnvSchema, source);
}
