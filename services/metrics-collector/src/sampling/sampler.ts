import { type DiskUsage, type MetricName, type Sample, type SourceReport } from './sample';
import { BoundedProbe, type ProbeResult } from './probes/bounded-probe';
import { CpuProbe } from './probes/cpu.probe';
import { readDisk } from './probes/disk.probe';
import { type GpuSource, describeGpuSource, detectGpuSource, readGpu } from './probes/gpu.probe';
import { type MemoryReading, readMemory } from './probes/memory.probe';
import {
  type ThermalZone,
  describeThermalSource,
  discoverThermalZones,
  readTemperature,
} from './probes/thermal.probe';

/** Anything that produces samples: the real machine in production, a script in tests. */
export interface Sampler {
  sample(): Promise<Sample>;
  sources(): SourceReport;
}

export interface SystemSamplerOptions {
  diskPath: string;
  gpuLoadPath?: string | undefined;
  /** Jetson GPU load files tried when `gpuLoadPath` is unset (tests pass their own). */
  gpuLoadCandidates?: readonly string[];
  thermalRoot: string;
  nvidiaSmi: boolean;
  /** Deadline of every probe in one cycle. */
  probeTimeoutMs: number;
  /** `/proc/stat`, or null to use systeminformation (non-Linux); tests may point it elsewhere. */
  procStatPath?: string | null;
  /** `PATH`, to find `nvidia-smi`. */
  pathEnv?: string | undefined;
}

/**
 * Samples this machine. Sources are detected once at start (what a Jetson has does not change while it
 * runs); every read is bounded by `probeTimeoutMs` and runs at most once at a time, so one cycle takes at
 * most about that long whatever the kernel does.
 */
export class SystemSampler implements Sampler {
  private readonly cpu: BoundedProbe<number>;
  private readonly memory: BoundedProbe<MemoryReading>;
  private readonly disk: BoundedProbe<DiskUsage>;
  private readonly gpu: BoundedProbe<number>;
  private readonly temperature: BoundedProbe<number>;

  private constructor(
    private readonly options: SystemSamplerOptions,
    private readonly gpuSource: GpuSource,
    private readonly zones: readonly ThermalZone[],
    cpu: CpuProbe,
  ) {
    const timeout = options.probeTimeoutMs;
    this.cpu = new BoundedProbe('CPU', (signal) => cpu.read(signal), timeout);
    this.memory = new BoundedProbe(
      'memory',
      async () => ({ ok: true, value: await readMemory() }) as const,
      timeout,
    );
    this.disk = new BoundedProbe('disk', () => readDisk(options.diskPath), timeout);
    this.gpu = new BoundedProbe('GPU', (signal) => readGpu(gpuSource, signal, timeout), timeout);
    this.temperature = new BoundedProbe(
      'temperature',
      (signal) => readTemperature(zones, options.thermalRoot, signal),
      timeout,
    );
  }

  static async create(options: SystemSamplerOptions): Promise<SystemSampler> {
    const cpu = new CpuProbe(options.procStatPath === undefined ? undefined : options.procStatPath);
    await cpu.prime().catch(() => undefined); // the first read then reports why
    const [gpuSource, zones] = await Promise.all([
      detectGpuSource({
        loadPath: options.gpuLoadPath,
        ...(options.gpuLoadCandidates ? { candidates: options.gpuLoadCandidates } : {}),
        nvidiaSmi: options.nvidiaSmi,
        pathEnv: options.pathEnv,
      }),
      discoverThermalZones(options.thermalRoot),
    ]);
    return new SystemSampler(options, gpuSource, zones, cpu);
  }

  sources(): SourceReport {
    return {
      gpu: describeGpuSource(this.gpuSource),
      temperature: describeThermalSource(this.zones, this.options.thermalRoot),
    };
  }

  async sample(): Promise<Sample> {
    const timestamp = new Date();
    const [cpu, memory, disk, gpu, temperature] = await Promise.all([
      this.cpu.read(),
      this.memory.read(),
      this.disk.read(),
      this.gpu.read(),
      this.temperature.read(),
    ]);
    const ram: ProbeResult<number> = memory.ok ? memory.value.ram : memory;
    const swap: ProbeResult<number> = memory.ok ? memory.value.swap : memory;

    const sample: Sample = {
      timestamp,
      cpu: null,
      ram: null,
      swap: null,
      gpu: null,
      temperature: null,
      disk: null,
      unavailable: {},
      sources: {},
    };
    const take = <K extends MetricName>(metric: K, result: ProbeResult<Sample[K]>) => {
      if (result.ok) {
        sample[metric] = result.value;
        if (result.source) sample.sources[metric] = result.source;
      } else {
        sample.unavailable[metric] = result.reason;
      }
    };
    take('cpu', cpu);
    take('ram', ram);
    take('swap', swap);
    take('gpu', gpu);
    take('temperature', temperature);
    take('disk', disk);
    return sample;
  }
}
