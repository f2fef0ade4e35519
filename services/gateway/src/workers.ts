import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '@arasul/service-kit';

export interface WorkerSupervisorOptions {
  workers: number;
  /** How long a stop waits for the workers to finish their own graceful shutdown. */
  shutdownTimeoutMs: number;
}

/**
 * GATEWAY_WORKERS > 1: this (primary) process forks that many gateway workers, which share the listening
 * port through node:cluster (the primary accepts and hands each new connection to a worker in turn; the
 * requests on a connection never pass through the primary). The primary holds no state of its own; what
 * must agree across workers already lives outside them: rate-limit windows in Redis, revocations from
 * Redis pub/sub plus the periodic reload from auth, audit rows in PostgreSQL. A worker that dies is
 * replaced (at most once a second, so a crash loop does not spin); SIGTERM/SIGINT stop every worker
 * gracefully and then the primary.
 */
export function superviseWorkers(options: WorkerSupervisorOptions, logger: Logger): void {
  const log = logger.child({ module: 'workers' });
  let stopping = false;
  let lastForkAt = 0;

  const fork = (): void => {
    const wait = Math.max(0, lastForkAt + 1000 - Date.now());
    lastForkAt = Date.now() + wait;
    setTimeout(() => {
      if (!stopping) cluster.fork();
    }, wait);
  };

  cluster.on('exit', (worker: Worker, code: number | null, signal: string | null) => {
    if (stopping) return;
    log.error('gateway worker exited, starting a new one', { pid: worker.process.pid, code, signal });
    fork();
  });
  for (let i = 0; i < options.workers; i += 1) cluster.fork();
  log.info('gateway workers started', { workers: options.workers });

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping gateway workers', { signal });
    const hardStop = setTimeout(() => {
      log.error('gateway workers did not stop in time, exiting', { timeoutMs: options.shutdownTimeoutMs });
      process.exit(1);
    }, options.shutdownTimeoutMs + 1000);
    hardStop.unref();
    const alive = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let remaining = alive.length;
    if (remaining === 0) process.exit(0);
    for (const worker of alive) {
      worker.once('exit', () => {
        remaining -= 1;
        if (remaining === 0) process.exit(0);
      });
      worker.process.kill(signal);
    }
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

export const isWorkerSupervisor = (workers: number): boolean => workers > 1 && cluster.isPrimary;
