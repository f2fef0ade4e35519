import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { round2 } from '../sample';
import { type ProbeResult, describeFailure } from './bounded-probe';

export interface ThermalZone {
  /** e.g. `thermal_zone3`. */
  name: string;
  /** The zone's `type`, e.g. `tj-thermal`. */
  type: string;
  tempPath: string;
}

const MAX_ZONES = 64;
/** A zone reading outside this range is a disabled or broken sensor (Jetsons report -256 °C for those). */
const PLAUSIBLE_C = { min: -40, max: 150 };

/**
 * Which zone speaks for the machine: the junction temperature (`tj-thermal`, the hottest point of a
 * Jetson SoC, what its own throttling uses), then the GPU, then the CPU zone (also `x86_pkg_temp` on a PC).
 * Xavier-era names (`Tj`, `GPU-therm`, `CPU-therm`) match too. Other zones are not used.
 */
export function zoneRank(type: string): number | undefined {
  const t = type.trim().toLowerCase();
  if (/^tj(-therm(al)?)?$/.test(t)) return 0;
  if (/^gpu-therm(al)?$/.test(t)) return 1;
  if (/^cpu-therm(al)?$/.test(t) || t === 'x86_pkg_temp') return 2;
  if (t.includes('cpu')) return 3;
  return undefined;
}

/** Lists the usable zones under `root`, best first. A missing root means no zones. */
export async function discoverThermalZones(root: string): Promise<ThermalZone[]> {
  const entries = await readdir(root).catch(() => [] as string[]);
  const zones: { zone: ThermalZone; rank: number }[] = [];
  for (const name of entries.filter((e) => /^thermal_zone\d+$/.test(e)).slice(0, MAX_ZONES)) {
    const type = await readFile(join(root, name, 'type'), 'utf8').catch(() => undefined);
    const rank = type === undefined ? undefined : zoneRank(type);
    if (type !== undefined && rank !== undefined) {
      zones.push({ zone: { name, type: type.trim(), tempPath: join(root, name, 'temp') }, rank });
    }
  }
  return zones
    .sort((a, b) => a.rank - b.rank || a.zone.name.localeCompare(b.zone.name, 'en', { numeric: true }))
    .map((z) => z.zone);
}

export function describeThermalSource(
  zones: readonly ThermalZone[],
  root: string,
): { source: string } | { fallback: string } {
  const best = zones[0];
  if (best) return { source: `${best.type} (${join(root, best.name)})` };
  return { fallback: `no usable thermal zone under ${root} (METRICS_THERMAL_ROOT)` };
}

/** `temp` holds millidegrees Celsius. */
export function parseMillidegrees(text: string, path: string): number {
  const milli = Number(text.trim());
  const celsius = milli / 1000;
  if (!Number.isFinite(milli) || celsius < PLAUSIBLE_C.min || celsius > PLAUSIBLE_C.max) {
    throw new Error(`${path} holds an implausible reading "${text.trim().slice(0, 20)}"`);
  }
  return round2(celsius);
}

/** The best zone that gives a plausible reading now; falls through to the next one when it does not. */
export async function readTemperature(
  zones: readonly ThermalZone[],
  root: string,
  signal: AbortSignal,
): Promise<ProbeResult<number>> {
  if (zones.length === 0) return { ok: false, reason: `no usable thermal zone under ${root}` };
  const problems: string[] = [];
  for (const zone of zones) {
    const reading = await readFile(zone.tempPath, { encoding: 'utf8', signal })
      .then((text) => parseMillidegrees(text, zone.tempPath))
      .catch((error: unknown) => {
        problems.push(`${zone.type}: ${describeFailure(error)}`);
        return undefined;
      });
    if (reading !== undefined) return { ok: true, value: reading, source: `thermal:${zone.type}` };
    if (signal.aborted) break;
  }
  return { ok: false, reason: `no thermal zone gave a reading (${problems.join('; ')})` };
}
