/** The pure scheduling rules (no IO): affinity, max wait, priority classes, aging, resume-first, ETAs. */
import {
  type PolicyContext,
  type WaitingEntry,
  estimateStartSeconds,
  orderQueue,
} from '../src/scheduler/scheduler.policy';

const NOW = Date.parse('2026-01-01T12:00:00Z');

function entry(
  jobId: string,
  model: string,
  waitedSeconds: number,
  extra: Partial<WaitingEntry> = {},
): WaitingEntry {
  return {
    jobId,
    model,
    priority: 'interactive',
    enqueuedAt: new Date(NOW - waitedSeconds * 1000),
    resumeFirst: false,
    ...extra,
  };
}

const ctx = (loaded: string[] = ['a']): PolicyContext => ({
  now: NOW,
  loadedModels: new Set(loaded),
  maxWaitMs: 120_000,
  batchAgingMs: 300_000,
});

const ids = (entries: WaitingEntry[]) => entries.map((e) => e.jobId);

describe('orderQueue', () => {
  it('serves first come, first served when nothing else differs', () => {
    expect(ids(orderQueue([entry('2', 'a', 5), entry('1', 'a', 10), entry('3', 'a', 1)], ctx()))).toEqual([
      '1',
      '2',
      '3',
    ]);
  });

  it('prefers jobs for a loaded model over older ones for another model', () => {
    expect(ids(orderQueue([entry('other', 'b', 60), entry('loaded', 'a', 1)], ctx()))).toEqual([
      'loaded',
      'other',
    ]);
  });

  it('lets a job that waited LLM_MAX_WAIT_SECONDS for another model go first', () => {
    expect(ids(orderQueue([entry('other', 'b', 121), entry('loaded', 'a', 1)], ctx()))).toEqual([
      'other',
      'loaded',
    ]);
    // Among overdue jobs the oldest wins, whatever the model.
    expect(
      ids(orderQueue([entry('b', 'b', 130), entry('a', 'a', 125), entry('c', 'c', 200)], ctx())),
    ).toEqual(['c', 'b', 'a']);
  });

  it('serves interactive before batch, also across models', () => {
    const queue = [entry('batch', 'a', 100, { priority: 'batch' }), entry('interactive', 'b', 1)];
    expect(ids(orderQueue(queue, ctx()))).toEqual(['interactive', 'batch']);
  });

  it('ages batch work: after LLM_BATCH_AGING_SECONDS a batch job competes as interactive', () => {
    const queue = [entry('aged', 'a', 301, { priority: 'batch' }), entry('fresh', 'a', 1)];
    expect(ids(orderQueue(queue, ctx()))).toEqual(['aged', 'fresh']);
  });

  it('never starves batch work: a steady stream of interactive jobs is overtaken once the batch job aged', () => {
    const stream = Array.from({ length: 100 }, (_, i) => entry(`i${i}`, 'a', i % 60));
    const batch = entry('batch', 'a', 299, { priority: 'batch' });
    expect(ids(orderQueue([...stream, batch], ctx())).indexOf('batch')).toBe(100);
    const later = { ...ctx(), now: NOW + 2000 };
    expect(ids(orderQueue([...stream, batch], later))[0]).toBe('batch');
  });

  it('puts jobs interrupted by a restart before everything else', () => {
    const queue = [
      entry('old', 'a', 1000),
      entry('resumed', 'b', 1, { resumeFirst: true, priority: 'batch' }),
    ];
    expect(ids(orderQueue(queue, ctx()))).toEqual(['resumed', 'old']);
  });

  it('does not modify its input and is deterministic for equal keys', () => {
    const queue = [entry('y', 'a', 5), entry('x', 'a', 5)];
    const copy = [...queue];
    expect(ids(orderQueue(queue, ctx()))).toEqual(['x', 'y']);
    expect(queue).toEqual(copy);
  });
});

describe('estimateStartSeconds', () => {
  it('adds job times and a switch cost per model change, after the running job', () => {
    const ordered = [entry('1', 'a', 1), entry('2', 'a', 1), entry('3', 'b', 1)];
    const etas = estimateStartSeconds(ordered, {
      runningRemainingSeconds: [4],
      parallel: 1,
      currentModel: 'a',
      jobSeconds: () => 10,
      switchSeconds: 30,
    });
    expect(etas).toEqual([4, 14, 54]);
  });

  it('fills parallel slots greedily', () => {
    const ordered = [entry('1', 'a', 1), entry('2', 'a', 1), entry('3', 'a', 1)];
    const etas = estimateStartSeconds(ordered, {
      runningRemainingSeconds: [],
      parallel: 2,
      currentModel: null,
      jobSeconds: () => 10,
      switchSeconds: 0,
    });
    expect(etas).toEqual([0, 0, 10]);
  });
});
