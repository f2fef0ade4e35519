import { readFile } from 'node:fs/promises';
import * as si from 'systeminformation';
import { round2 } from '../sample';
import type { ProbeResult } from './bounded-probe';

interface CpuTimes {
  busy: number;
  total: number;
}

/** The aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal (guest is in user). */
export function parseProcStat(text: string): CpuTimes {
  const line = text.split('\n', 1)[0] ?? '';
  const fields = line.trim().split(/\s+/);
  if (fields[0] !== 'cpu' || fields.length < 5) throw new Error('no aggregate cpu line in /proc/stat');
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields
    .slice(1, 9)
    .map(Number);
  const values = [user, nice, system, idle, iowait, irq, softirq, steal];
  if (values.some((v) => v === undefined || !Number.isFinite(v))) throw new Error('unreadable /proc/stat');
  const busy = (user ?? 0) + (nice ?? 0) + (system ?? 0) + irq + softirq + steal;
  return { busy, total: busy + (idle ?? 0) + iowait };
}

/**
 * CPU usage in percent over the time since the previous read. On Linux from /proc/stat, read
 * asynchronously: systeminformation's `currentLoad()` runs a synchronous `cat /proc/stat` there, which
 * would block the event loop every cycle. Elsewhere (a developer's Mac) systeminformation is used.
 */
export class CpuProbe {
  private previous: CpuTimes | undefined;

  constructor(
    private readonly procStatPath: string | null = process.platform === 'linux' ? '/proc/stat' : null,
  ) {}

  /** Takes the baseline, so the first sample already has an interval to measure over. */
  async prime(): Promise<void> {
    if (this.procStatPath) this.previous = parseProcStat(await readFile(this.procStatPath, 'utf8'));
  }

  async read(signal: AbortSignal): Promise<ProbeResult<number>> {
    if (!this.procStatPath) {
      const load = await si.currentLoad();
      return { ok: true, value: round2(load.currentLoad) };
    }
    const now = parseProcStat(await readFile(this.procStatPath, { encoding: 'utf8', signal }));
    const before = this.previous;
    if (!before || now.total <= before.total) {
      // Keep the older baseline: the next reading then measures over a longer interval.
      this.previous ??= now;
      return { ok: false, reason: 'no CPU time elapsed since the previous reading' };
    }
    this.previous = now;
    const percent = ((now.busy - before.busy) / (now.total - before.total)) * 100;
    return { ok: true, value: round2(Math.min(100, Math.max(0, percent))) };
  }
}
