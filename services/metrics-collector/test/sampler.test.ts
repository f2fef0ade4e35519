/**
 * Sampling with a fake sysfs tree laid out like a Jetson AGX Orin's (thermal_zoneN/type + temp in
 * millidegrees, the GPU's load file in per mille), and as a machine without GPU or thermal zones.
 * CPU, RAM, swap and disk come from this machine's real /proc and statfs.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, rmSync, writeFileSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SystemSampler } from '../src/sampling/sampler';
import { parseProcStat } from '../src/sampling/probes/cpu.probe';
import { parseGpuLoad } from '../src/sampling/probes/gpu.probe';
import { zoneRank } from '../src/sampling/probes/thermal.probe';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'metrics-sysfs-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** An Orin's zones (JetPack 6 names); `temps` in °C. */
function jetsonTree(temps: Record<string, number>): { thermalRoot: string; gpuLoadPath: string } {
  const thermalRoot = join(root, 'class', 'thermal');
  Object.entries(temps).forEach(([type, celsius], i) => {
    const zone = join(thermalRoot, `thermal_zone${i}`);
    mkdirSync(zone, { recursive: true });
    writeFileSync(join(zone, 'type'), `${type}\n`);
    writeFileSync(join(zone, 'temp'), `${Math.round(celsius * 1000)}\n`);
  });
  // Not a zone: must be ignored.
  mkdirSync(join(thermalRoot, 'cooling_device0'), { recursive: true });
  const gpuDir = join(root, 'devices', 'platform', '17000000.gpu');
  mkdirSync(gpuDir, { recursive: true });
  const gpuLoadPath = join(gpuDir, 'load');
  writeFileSync(gpuLoadPath, '0\n');
  return { thermalRoot, gpuLoadPath };
}

const base = { diskPath: '/', nvidiaSmi: false, probeTimeoutMs: 500, gpuLoadCandidates: [] as string[] };

describe('on a Jetson-like sysfs', () => {
  it('reads GPU load in per mille and the tj-thermal zone first', async () => {
    const tree = jetsonTree({
      'cpu-thermal': 48.5,
      'gpu-thermal': 50.25,
      'soc0-thermal': 47,
      'tj-thermal': 53.75,
    });
    writeFileSync(tree.gpuLoadPath, '345\n');
    const sampler = await SystemSampler.create({ ...base, ...tree });
    // CPU % is a delta of /proc/stat (10 ms ticks): give the baseline taken at create() a tick to age.
    await new Promise((resolve) => setTimeout(resolve, 50));

    const sample = await sampler.sample();
    expect(sample.gpu).toBe(34.5);
    expect(sample.temperature).toBe(53.75);
    expect(sample.sources).toMatchObject({
      gpu: `sysfs:${tree.gpuLoadPath}`,
      temperature: 'thermal:tj-thermal',
    });
    // This build machine may have no swap; everything the fake tree provides is there.
    expect(Object.keys(sample.unavailable).filter((metric) => metric !== 'swap')).toEqual([]);
    expect(sampler.sources()).toEqual({
      gpu: { source: `sysfs:${tree.gpuLoadPath}` },
      temperature: { source: `tj-thermal (${join(tree.thermalRoot, 'thermal_zone3')})` },
    });

    writeFileSync(tree.gpuLoadPath, '1000\n');
    expect((await sampler.sample()).gpu).toBe(100);
  });

  it('prefers gpu-thermal without tj-thermal, then the CPU zone', async () => {
    const gpuFirst = await SystemSampler.create({
      ...base,
      ...jetsonTree({ 'cpu-thermal': 41, 'soc0-thermal': 44, 'gpu-thermal': 42 }),
    });
    expect((await gpuFirst.sample()).temperature).toBe(42);

    rmSync(root, { recursive: true, force: true });
    mkdirSync(root);
    const cpuOnly = await SystemSampler.create({
      ...base,
      ...jetsonTree({ 'soc0-thermal': 44, 'cpu-thermal': 41 }),
    });
    const sample = await cpuOnly.sample();
    expect(sample.temperature).toBe(41);
    expect(sample.sources.temperature).toBe('thermal:cpu-thermal');
  });

  it('falls through to the next zone when the best one gives an implausible reading', async () => {
    const tree = jetsonTree({ 'tj-thermal': 50, 'gpu-thermal': 47 });
    writeFileSync(join(tree.thermalRoot, 'thermal_zone0', 'temp'), '-256000\n');
    const sample = await (await SystemSampler.create({ ...base, ...tree })).sample();
    expect(sample.temperature).toBe(47);
  });

  it('reports an unreadable or nonsensical GPU load file as unavailable, never as 0', async () => {
    const tree = jetsonTree({ 'tj-thermal': 50 });
    writeFileSync(tree.gpuLoadPath, 'garbage\n');
    const sampler = await SystemSampler.create({ ...base, ...tree });
    const garbled = await sampler.sample();
    expect(garbled.gpu).toBeNull();
    expect(garbled.unavailable.gpu).toMatch(/not a load in per mille/);

    rmSync(tree.gpuLoadPath);
    const missing = await sampler.sample();
    expect(missing.gpu).toBeNull();
    expect(missing.unavailable.gpu).toMatch(/ENOENT.*METRICS_GPU_LOAD_PATH|METRICS_GPU_LOAD_PATH.*ENOENT/);
  });

  it('finds a Jetson GPU load file by itself when METRICS_GPU_LOAD_PATH is unset', async () => {
    const tree = jetsonTree({ 'tj-thermal': 50 });
    writeFileSync(tree.gpuLoadPath, '120\n');
    const sampler = await SystemSampler.create({
      ...base,
      thermalRoot: tree.thermalRoot,
      gpuLoadCandidates: [join(root, 'nope', 'load'), tree.gpuLoadPath],
    });
    expect((await sampler.sample()).gpu).toBe(12);
  });
});

describe('on a machine without GPU and thermal zones', () => {
  it('gives null with a reason for GPU and temperature, real values for the rest', async () => {
    const sampler = await SystemSampler.create({ ...base, thermalRoot: join(root, 'missing') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const sample = await sampler.sample();

    expect(sample.gpu).toBeNull();
    expect(sample.unavailable.gpu).toBe(
      'no GPU load source (METRICS_GPU_LOAD_PATH unset, no Jetson GPU load file)',
    );
    expect(sample.temperature).toBeNull();
    expect(sample.unavailable.temperature).toMatch(/no usable thermal zone/);
    expect(sampler.sources()).toEqual({
      gpu: { fallback: 'no GPU load source (METRICS_GPU_LOAD_PATH unset, no Jetson GPU load file)' },
      temperature: { fallback: expect.stringMatching(/METRICS_THERMAL_ROOT/) },
    });

    for (const metric of ['cpu', 'ram'] as const) {
      expect(sample[metric]).toEqual(expect.any(Number));
      expect(sample[metric]).toBeGreaterThanOrEqual(0);
      expect(sample[metric]).toBeLessThanOrEqual(100);
    }
    expect(sample.swap ?? sample.unavailable.swap).toBeDefined();
    expect(sample.disk).toEqual({
      used: expect.any(Number),
      free: expect.any(Number),
      percent: expect.any(Number),
    });
    expect(sample.disk!.used + sample.disk!.free).toBeGreaterThan(0);
  });

  it('reports a data volume that does not exist as unavailable', async () => {
    const sampler = await SystemSampler.create({
      ...base,
      diskPath: join(root, 'no-such-volume'),
      thermalRoot: root,
    });
    const sample = await sampler.sample();
    expect(sample.disk).toBeNull();
    expect(sample.unavailable.disk).toMatch(/ENOENT/);
  });
});

describe('a probe that hangs', () => {
  it('costs one cycle its value, not the cycle: later cycles do not stack reads behind it', async () => {
    // A FIFO without a writer blocks open(2) forever: the worst a sysfs file can do.
    const fifo = join(root, 'load');
    execFileSync('mkfifo', [fifo]);
    const sampler = await SystemSampler.create({
      ...base,
      probeTimeoutMs: 500, // room for the other probes' reads on a busy box; the FIFO never answers
      thermalRoot: root,
      gpuLoadPath: fifo,
    });
    await new Promise((resolve) => setTimeout(resolve, 50)); // let CPU time pass since the baseline
    try {
      const started = performance.now();
      const first = await sampler.sample();
      expect(performance.now() - started).toBeLessThan(2000);
      expect(first.gpu).toBeNull();
      expect(first.unavailable.gpu).toMatch(/no answer within 500 ms/);
      expect(first.cpu).toEqual(expect.any(Number));

      const second = await sampler.sample();
      expect(second.unavailable.gpu).toMatch(/previous GPU read has not finished/);
    } finally {
      // Release the blocked read so the thread pool is whole again.
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    }
  });
});

describe('parsers', () => {
  it('parse /proc/stat, per-mille load and zone names', () => {
    expect(parseProcStat('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n')).toEqual({
      busy: 150,
      total: 1000,
    });
    expect(() => parseProcStat('intr 1 2 3')).toThrow();
    expect(parseGpuLoad('999\n', 'x')).toBe(99.9);
    expect(() => parseGpuLoad('1001', 'x')).toThrow();
    expect(() => parseGpuLoad('-1', 'x')).toThrow();
    expect([zoneRank('tj-thermal'), zoneRank('Tj'), zoneRank('GPU-therm'), zoneRank('CPU-therm')]).toEqual([
      0, 0, 1, 2,
    ]);
    expect(zoneRank('x86_pkg_temp')).toBe(2);
    expect(zoneRank('soc0-thermal')).toBeUndefined();
  });
});
