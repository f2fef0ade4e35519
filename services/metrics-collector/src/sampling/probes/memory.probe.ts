import * as si from 'systeminformation';
import { round2 } from '../sample';
import type { ProbeResult } from './bounded-probe';

export interface MemoryReading {
  ram: ProbeResult<number>;
  swap: ProbeResult<number>;
}

/**
 * RAM and swap in percent, from systeminformation's `mem()` (on Linux an asynchronous read of
 * /proc/meminfo). RAM in use is `total - available`: page cache that the kernel can drop is not "used".
 */
export async function readMemory(): Promise<MemoryReading> {
  const mem = await si.mem();
  const ram: ProbeResult<number> =
    mem.total > 0
      ? { ok: true, value: round2((mem.active / mem.total) * 100) }
      : { ok: false, reason: 'total memory reported as 0' };
  const swap: ProbeResult<number> =
    mem.swaptotal > 0
      ? { ok: true, value: round2((mem.swapused / mem.swaptotal) * 100) }
      : { ok: false, reason: 'no swap space is configured' };
  return { ram, swap };
}
