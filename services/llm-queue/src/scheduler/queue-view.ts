import type { BackendState } from './backend-monitor';
import type { JobRun } from './job-run';
import { estimateStartSeconds, orderQueue, priorityClassOf } from './scheduler.policy';
import type { ModelLoader, QueueStore, WaitingRow } from './scheduler.port';
import type { Throughput } from './throughput';

export interface QueuedView {
  row: WaitingRow & { model: string };
  position: number;
  etaSeconds: number;
}

export interface QueueView {
  waiting: QueuedView[];
  running: JobRun[];
  backend: BackendState;
}

export interface QueueViewOptions {
  parallel: number;
  maxWaitSeconds: number;
  batchAgingSeconds: number;
  maxQueue: number;
}

/** The waiting jobs in run order (the policy's order) with position and ETA. */
export class QueueViewReader {
  constructor(
    private readonly store: QueueStore,
    private readonly models: ModelLoader,
    private readonly throughput: Throughput,
    private readonly options: QueueViewOptions,
  ) {}

  async read(running: JobRun[], backend: BackendState, limit = this.scanLimit()): Promise<QueueView> {
    const { options, throughput, models } = this;
    const rows = await this.store.listWaiting(limit);
    const entries = rows.map((row) => ({
      row: { ...row, model: row.model ?? '' },
      jobId: row.job_id,
      model: row.model ?? '',
      priority: priorityClassOf(row.priority),
      enqueuedAt: row.created_at,
      resumeFirst: row.resume_first,
    }));
    const loaded = new Set([...models.loadedModels(), ...running.map((r) => r.model)]);
    const ordered = orderQueue(entries, {
      now: Date.now(),
      loadedModels: loaded,
      maxWaitMs: options.maxWaitSeconds * 1000,
      batchAgingMs: options.batchAgingSeconds * 1000,
    });
    const etas = estimateStartSeconds(ordered, {
      runningRemainingSeconds: running.map((r) =>
        Math.max(1, throughput.jobSeconds(r.model) - (Date.now() - r.startedAt) / 1000),
      ),
      parallel: options.parallel,
      currentModel: running[0]?.model ?? models.current(),
      jobSeconds: (model) => throughput.jobSeconds(model),
      switchSeconds: throughput.switchSeconds(),
    });
    return {
      waiting: ordered.map((entry, i) => ({ row: entry.row, position: i + 1, etaSeconds: etas[i] ?? 0 })),
      running,
      backend,
    };
  }

  private scanLimit(): number {
    return Math.min(100_000, Math.max(this.options.maxQueue * 2, 1000));
  }
}
