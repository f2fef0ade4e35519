import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@arasul/service-kit';
import { parseMetricsConfig } from '../src/config';

const secret = { INTERNAL_SECRET: 'i'.repeat(32) };

function problemsOf(env: Record<string, string>): string {
  try {
    parseMetricsConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.join('\n');
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('metrics collector config', () => {
  it('applies the documented defaults', () => {
    const config = parseMetricsConfig(secret);
    expect(config).toMatchObject({
      METRICS_PORT: 8083,
      METRICS_HOST: '127.0.0.1',
      METRICS_INTERVAL_MS: 5000,
      METRICS_DISK_PATH: '/',
      METRICS_THERMAL_ROOT: '/sys/class/thermal',
      METRICS_NVIDIA_SMI: true,
      METRICS_FLUSH_INTERVAL_MS: 10_000,
      METRICS_RAW_RETENTION_DAYS: 7,
      METRICS_ROLLUP_RETENTION_DAYS: 365,
      METRICS_RETENTION_INTERVAL_SECONDS: 3600,
      METRICS_STREAM_HEARTBEAT_MS: 15_000,
      REDIS_KEY_PREFIX: 'arasul:',
    });
    expect(config.METRICS_GPU_LOAD_PATH).toBeUndefined();
  });

  it('needs a strong INTERNAL_SECRET and names every bad variable at once', () => {
    const problems = problemsOf({ INTERNAL_SECRET: 'short', METRICS_INTERVAL_MS: '500', METRICS_PORT: 'x' });
    expect(problems).toContain('INTERNAL_SECRET');
    expect(problems).toContain('METRICS_INTERVAL_MS');
    expect(problems).toContain('METRICS_PORT');
    expect(problemsOf({})).toContain('INTERNAL_SECRET');
  });

  it('accepts sampling from 1 s to 60 s only', () => {
    expect(parseMetricsConfig({ ...secret, METRICS_INTERVAL_MS: '1000' }).METRICS_INTERVAL_MS).toBe(1000);
    expect(parseMetricsConfig({ ...secret, METRICS_INTERVAL_MS: '60000' }).METRICS_INTERVAL_MS).toBe(60_000);
    expect(problemsOf({ ...secret, METRICS_INTERVAL_MS: '999' })).toContain('METRICS_INTERVAL_MS');
    expect(problemsOf({ ...secret, METRICS_INTERVAL_MS: '60001' })).toContain('METRICS_INTERVAL_MS');
  });

  it('reads INTERNAL_SECRET from INTERNAL_SECRET_FILE and takes the Jetson paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-config-'));
    const file = join(dir, 'internal_secret');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    const config = parseMetricsConfig({
      INTERNAL_SECRET_FILE: file,
      METRICS_GPU_LOAD_PATH: '/host/sys/devices/platform/17000000.ga10b/load',
      METRICS_THERMAL_ROOT: '/host/sys/class/thermal',
    });
    expect(config.INTERNAL_SECRET).toBe('s'.repeat(40));
    expect(config.METRICS_GPU_LOAD_PATH).toBe('/host/sys/devices/platform/17000000.ga10b/load');
    expect(config.METRICS_THERMAL_ROOT).toBe('/host/sys/class/thermal');
  });
});
