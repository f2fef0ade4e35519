import type { MetricsSnapshot } from '@arasul/contracts';
import { alignHistory } from './history';
import { appendSample, RECENT_SAMPLES, type LiveMetrics } from './live-metrics';
import { levelOf } from './MetricCard';

const snapshot = (i: number, cpu: number | null): MetricsSnapshot => ({
  timestamp: new Date(1_700_000_000_000 + i * 5000).toISOString(),
  cpu,
  ram: 50,
  swap: 0,
  gpu: null,
  temperature: 45,
  disk: { used: 10, free: 90, percent: 10 },
  unavailable: { gpu: 'no GPU' },
  sources: {},
});

describe('live metrics', () => {
  it('keeps a bounded history per metric and ignores a repeated sample', () => {
    let state: LiveMetrics = {
      status: 'connecting',
      snapshot: null,
      recent: { cpu: [], ram: [], swap: [], gpu: [], temperature: [], disk: [] },
    };
    for (let i = 0; i < RECENT_SAMPLES + 10; i += 1) state = appendSample(state, snapshot(i, i));
    state = appendSample(state, snapshot(RECENT_SAMPLES + 9, 999));
    expect(state.status).toBe('live');
    expect(state.recent.cpu).toHaveLength(RECENT_SAMPLES);
    expect(state.recent.cpu.at(-1)).toBe(RECENT_SAMPLES + 9);
    expect(state.recent.disk.at(-1)).toBe(10);
    expect(state.recent.gpu.at(-1)).toBeNull();
  });

  it('colours a value by the thresholds', () => {
    const th = {
      metric: 'cpu' as const,
      displayName: 'CPU',
      unit: '%' as const,
      warningThreshold: 80,
      criticalThreshold: 95,
      enabled: true,
      cooldownSeconds: 0,
      forSamples: 1,
      clearDelta: 5,
      updatedAt: '',
    };
    expect([
      levelOf(10, th),
      levelOf(80, th),
      levelOf(99, th),
      levelOf(null, th),
      levelOf(99, { ...th, enabled: false }),
    ]).toEqual(['ok', 'warn', 'bad', 'none', 'ok']);
  });
});

describe('alignHistory', () => {
  it('puts every metric on one time axis with gaps where a bucket is missing', () => {
    const t = (s: number) => new Date(s * 1000).toISOString();
    const aligned = alignHistory({
      cpu: [
        { t: t(0), avg: 1, min: 1, max: 1 },
        { t: t(60), avg: 2, min: 2, max: 2 },
      ],
      ram: [
        { t: t(60), avg: 5, min: 5, max: 5 },
        { t: t(120), avg: 6, min: 6, max: 6 },
      ],
    });
    expect(aligned).toEqual({ xs: [0, 60, 120], values: { cpu: [1, 2, null], ram: [null, 5, 6] } });
  });
});
