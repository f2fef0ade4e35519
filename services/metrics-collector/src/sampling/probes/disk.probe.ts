import { statfs } from 'node:fs/promises';
import { type DiskUsage, round2 } from '../sample';
import type { ProbeResult } from './bounded-probe';

/**
 * Usage of the file system that holds `path` (the data volume), as `df` reports it: `free` is what an
 * unprivileged writer can still use, `percent` is used / (used + free). One statfs(2) call: no `df`
 * process (systeminformation's `fsSize()` spawns one and matches mount points, not paths).
 */
export async function readDisk(path: string): Promise<ProbeResult<DiskUsage>> {
  const stats = await statfs(path);
  const used = (stats.blocks - stats.bfree) * stats.bsize;
  const free = stats.bavail * stats.bsize;
  if (used + free <= 0) return { ok: false, reason: `${path} reports a file system of size 0` };
  return { ok: true, value: { used, free, percent: round2((used / (used + free)) * 100) }, source: path };
}
