import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { round2 } from '../sample';
import { type ProbeResult, describeFailure } from './bounded-probe';

/**
 * Where the GPU's load of a Jetson lives: the GPU platform device's `load` file, in per mille. NVML (and
 * so nvidia-smi) reports "not supported" for the integrated GPU of an Orin, so sysfs is the source there.
 * Paths per module: Orin on JetPack 5 / 6, Xavier, Nano/TX1 and the `gpu.0` alias some releases add.
 */
export const JETSON_GPU_LOAD_PATHS: readonly string[] = [
  '/sys/devices/platform/17000000.ga10b/load',
  '/sys/devices/platform/bus@0/17000000.gpu/load',
  '/sys/devices/17000000.ga10b/load',
  '/sys/devices/17000000.gv11b/load',
  '/sys/devices/57000000.gpu/load',
  '/sys/devices/gpu.0/load',
  '/sys/devices/platform/gpu.0/load',
];

export type GpuSource =
  | { kind: 'sysfs'; path: string; configured: boolean }
  | { kind: 'nvidia-smi'; binary: string }
  | { kind: 'none'; reason: string };

export interface GpuDetectOptions {
  /** METRICS_GPU_LOAD_PATH: used as given, even when it cannot be read yet (the reason is then reported). */
  loadPath?: string | undefined;
  /** Tried in order when `loadPath` is unset. */
  candidates?: readonly string[];
  /** Look for nvidia-smi on PATH (desktop NVIDIA GPUs). */
  nvidiaSmi: boolean;
  pathEnv?: string | undefined;
}

async function readable(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}

async function findOnPath(binary: string, pathEnv: string | undefined): Promise<string | undefined> {
  // PATH has a handful of entries; bounded anyway.
  for (const dir of (pathEnv ?? '').split(delimiter).filter(Boolean).slice(0, 64)) {
    const candidate = join(dir, binary);
    const found = await access(candidate, constants.X_OK).then(
      () => true,
      () => false,
    );
    if (found) return candidate;
  }
  return undefined;
}

/** Decides once, at start, where GPU load comes from on this machine. */
export async function detectGpuSource(options: GpuDetectOptions): Promise<GpuSource> {
  if (options.loadPath) return { kind: 'sysfs', path: options.loadPath, configured: true };
  for (const path of options.candidates ?? JETSON_GPU_LOAD_PATHS) {
    if (await readable(path)) return { kind: 'sysfs', path, configured: false };
  }
  if (options.nvidiaSmi) {
    const binary = await findOnPath('nvidia-smi', options.pathEnv);
    if (binary) return { kind: 'nvidia-smi', binary };
  }
  return {
    kind: 'none',
    reason: `no GPU load source (METRICS_GPU_LOAD_PATH unset, no Jetson GPU load file${
      options.nvidiaSmi ? ', no nvidia-smi on PATH' : ''
    })`,
  };
}

export function describeGpuSource(source: GpuSource): { source: string } | { fallback: string } {
  if (source.kind === 'sysfs') return { source: `sysfs:${source.path}` };
  if (source.kind === 'nvidia-smi') return { source: `nvidia-smi:${source.binary}` };
  return { fallback: source.reason };
}

/** The `load` file holds 0..1000 (per mille). */
export function parseGpuLoad(text: string, path: string): number {
  const perMille = Number(text.trim());
  if (!Number.isFinite(perMille) || perMille < 0 || perMille > 1000) {
    throw new Error(`${path} holds "${text.trim().slice(0, 20)}", not a load in per mille`);
  }
  return round2(perMille / 10);
}

function nvidiaSmiLoad(binary: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      binary,
      ['--query-gpu=utilization.gpu', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs, signal, maxBuffer: 64 * 1024 },
      (error, stdout) => {
        if (error) {
          reject(new Error(`nvidia-smi failed: ${error.message}`, { cause: error }));
          return;
        }
        const value = Number(stdout.split('\n', 1)[0]?.trim());
        if (!Number.isFinite(value) || value < 0 || value > 100) {
          reject(new Error(`nvidia-smi answered "${stdout.trim().slice(0, 40)}"`));
          return;
        }
        resolve(round2(value));
      },
    );
  });
}

export async function readGpu(
  source: GpuSource,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ProbeResult<number>> {
  if (source.kind === 'none') return { ok: false, reason: source.reason };
  if (source.kind === 'nvidia-smi') {
    return { ok: true, value: await nvidiaSmiLoad(source.binary, timeoutMs, signal), source: 'nvidia-smi' };
  }
  const text = await readFile(source.path, { encoding: 'utf8', signal }).catch((error: unknown) => {
    throw new Error(
      `cannot read the GPU load file ${source.path}${source.configured ? ' (METRICS_GPU_LOAD_PATH)' : ''}: ${describeFailure(error)}`,
    );
  });
  return { ok: true, value: parseGpuLoad(text, source.path), source: `sysfs:${source.path}` };
}
