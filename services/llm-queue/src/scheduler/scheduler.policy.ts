/**
 * Which waiting job runs next, as a pure function of the queue, the loaded model(s) and the clock. The rules,
 * in order:
 *
 * 1. A job interrupted by a restart while running (`resumeFirst`) goes before everything else.
 * 2. Interactive before batch; a batch job that has waited `batchAgingMs` counts as interactive (aging), so
 *    batch work is never starved by a steady stream of interactive jobs.
 * 3. Within a class, a job that has waited `maxWaitMs` or longer goes first, oldest first, whatever its model:
 *    model affinity may delay a job, but only this long.
 * 4. Otherwise a job for a model that is already loaded goes first (a switch costs seconds to minutes).
 * 5. Otherwise first come, first served.
 */

export type PriorityClass = 'interactive' | 'batch';

export const PRIORITY_VALUE: Record<PriorityClass, number> = { interactive: 10, batch: 0 };

export function priorityClassOf(value: number): PriorityClass {
  return value >= PRIORITY_VALUE.interactive ? 'interactive' : 'batch';
}

export interface WaitingEntry {
  jobId: string;
  model: string;
  priority: PriorityClass;
  enqueuedAt: Date;
  resumeFirst: boolean;
}

export interface PolicyContext {
  now: number;
  /** Models in memory (or running) right now. */
  loadedModels: ReadonlySet<string>;
  maxWaitMs: number;
  batchAgingMs: number;
}

function sortKey(entry: WaitingEntry, ctx: PolicyContext): [number, number, number, number, number] {
  const waitedMs = ctx.now - entry.enqueuedAt.getTime();
  const effectiveInteractive = entry.priority === 'interactive' || waitedMs >= ctx.batchAgingMs;
  const overdue = waitedMs >= ctx.maxWaitMs;
  const affinity = ctx.loadedModels.has(entry.model);
  return [
    entry.resumeFirst ? 0 : 1,
    effectiveInteractive ? 0 : 1,
    overdue ? 0 : 1,
    overdue || affinity ? 0 : 1,
    entry.enqueuedAt.getTime(),
  ];
}

/** The waiting jobs in the order they would run (index 0 runs next). Does not modify its input. */
export function orderQueue<E extends WaitingEntry>(entries: readonly E[], ctx: PolicyContext): E[] {
  const keyed = entries.map((entry) => ({ entry, key: sortKey(entry, ctx) }));
  keyed.sort((a, b) => {
    for (let i = 0; i < a.key.length; i += 1) {
      const diff = (a.key[i] ?? 0) - (b.key[i] ?? 0);
      if (diff !== 0) return diff;
    }
    return a.entry.jobId < b.entry.jobId ? -1 : a.entry.jobId > b.entry.jobId ? 1 : 0;
  });
  return keyed.map((k) => k.entry);
}

export interface EtaInputs {
  /** Seconds until each running slot is free, one per running job. */
  runningRemainingSeconds: number[];
  parallel: number;
  /** The model that will be loaded when the first waiting job starts. */
  currentModel: string | null;
  jobSeconds: (model: string) => number;
  switchSeconds: number;
}

/**
 * Seconds until each job (in run order) is expected to start. Slots are filled greedily; a job for another
 * model than the one before it pays the switch cost. An estimate, rounded to whole seconds.
 */
export function estimateStartSeconds(ordered: readonly WaitingEntry[], inputs: EtaInputs): number[] {
  const slots = Array.from({ length: Math.max(1, inputs.parallel) }, (_, i) =>
    Math.max(0, inputs.runningRemainingSeconds[i] ?? 0),
  );
  let model = inputs.currentModel;
  return ordered.map((entry) => {
    let slot = 0;
    for (let i = 1; i < slots.length; i += 1) if ((slots[i] ?? 0) < (slots[slot] ?? 0)) slot = i;
    const start = slots[slot] ?? 0;
    const switchCost = model !== null && model !== entry.model ? inputs.switchSeconds : 0;
    slots[slot] = start + switchCost + inputs.jobSeconds(entry.model);
    model = entry.model;
    return Math.round(start + switchCost);
  });
}

/** The class a running job was admitted with (kept in its stored request; the queue entry is gone). */
export function priorityClassOfRequest(request: unknown): PriorityClass {
  return (request as { priority?: unknown } | null)?.priority === 'batch' ? 'batch' : 'interactive';
}
