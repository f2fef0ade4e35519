import type { Kysely } from 'kysely';
import type { Database, Document } from '@arasul/db';
import { type AmqpClient, type HealthCheck, type Logger, errorMeta } from '@arasul/service-kit';
import { toDocumentDto } from '../documents/documents.mapper';
import { documentsRepository } from '../documents/documents.repository';
import type { StatusEvents } from '../documents/status-events';
import type { ObjectStore } from '../storage/object-store';
import type { VectorStore } from '../vectors/vector-store';
import type { IndexingPipeline } from './pipeline.service';

const BATCH = 50;
const KEY_PATTERN = /^spaces\/[0-9a-f-]{36}\/([0-9a-f-]{36})$/;

export interface MaintenanceOptions {
  leaseSeconds: number;
  maxAttempts: number;
  watchdogIntervalMs: number;
  sweepIntervalMs: number;
  orphanGraceSeconds: number;
  embeddingRetryIntervalMs: number;
}

/** Object key of a document: `spaces/<space id>/<document id>` (the space it was uploaded to). */
export function objectKey(spaceId: string, documentId: string): string {
  return `spaces/${spaceId}/${documentId}`;
}

/**
 * The background loops that keep the pipeline honest, each bounded and observable:
 * - watchdog: documents whose worker died (lease ran out) go back to the queue, or end `failed` after
 *   `maxAttempts`; `pending` documents whose job message was lost are sent again;
 * - sweeper: finishes deletes that failed half-way, removes objects without a row and vectors without a
 *   live document;
 * - dense backlog: documents indexed without vectors (no embedding backend then) are embedded now.
 */
export class Maintenance {
  private readonly log: Logger;
  private readonly timers: NodeJS.Timeout[] = [];
  private running: Promise<unknown> = Promise.resolve();
  private readonly last: Record<string, { at: string; error: string | null }> = {};
  private stopped = false;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      bus: Pick<AmqpClient, 'sendToQueue'>;
      objects: ObjectStore;
      vectors: VectorStore;
      pipeline: IndexingPipeline;
      events: StatusEvents;
      logger: Logger;
      options: MaintenanceOptions;
    },
  ) {
    this.log = deps.logger.child({ module: 'maintenance' });
  }

  start(): void {
    const { options } = this.deps;
    this.every('watchdog', options.watchdogIntervalMs, () => this.watchdog());
    this.every('sweeper', options.sweepIntervalMs, () => this.sweep());
    this.every('dense-backlog', options.embeddingRetryIntervalMs, () => this.embedBacklog());
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.running.catch(() => undefined);
  }

  healthCheck(): HealthCheck {
    return { name: 'maintenance', critical: false, check: () => Promise.resolve({ ...this.last }) };
  }

  private every(name: string, intervalMs: number, task: () => Promise<unknown>): void {
    const run = (): void => {
      if (this.stopped) return;
      // One loop at a time, so a slow sweep never overlaps a watchdog pass.
      this.running = this.running.then(async () => {
        if (this.stopped) return;
        try {
          await task();
          this.last[name] = { at: new Date().toISOString(), error: null };
        } catch (error) {
          this.last[name] = {
            at: new Date().toISOString(),
            error: error instanceof Error ? error.message : 'unknown',
          };
          this.log.warn(`${name} pass failed`, errorMeta(error));
        }
      });
    };
    this.timers.push(setInterval(run, intervalMs));
  }

  /** Returns documents of dead workers to the queue; re-sends lost `pending` jobs. */
  async watchdog(): Promise<{ requeued: number; failed: number }> {
    const { db, bus, options } = this.deps;
    let requeued = 0;
    let failed = 0;
    for (const document of await documentsRepository.findExpiredLeases(db, BATCH)) {
      if (document.attempts >= options.maxAttempts) {
        const updated = await documentsRepository.update(db, document.id, {
          status: 'failed',
          stage: null,
          lease_until: null,
          error_code: 'interrupted',
          error_message: `Indexing was interrupted ${document.attempts} times (the indexer stopped while working on it).`,
        });
        if (updated)
          await this.deps.events.emit({ document: toDocumentDto(updated), previousStatus: document.status });
        failed += 1;
        continue;
      }
      const updated = await documentsRepository.update(db, document.id, {
        status: 'pending',
        stage: null,
        progress: 0,
        lease_until: null,
      });
      if (updated) {
        await this.deps.events.emit({ document: toDocumentDto(updated), previousStatus: document.status });
        await bus.sendToQueue('documents.index', { documentId: document.id, reason: 'reindex' });
        requeued += 1;
      }
    }
    for (const document of await documentsRepository.findStalePending(db, options.leaseSeconds * 2, BATCH)) {
      await documentsRepository.update(db, document.id, { progress: 0 }); // touches updated_at
      await bus.sendToQueue('documents.index', { documentId: document.id, reason: 'upload' });
      requeued += 1;
    }
    if (requeued + failed > 0) this.log.info('watchdog pass', { requeued, failed });
    return { requeued, failed };
  }

  /** Removes vectors, object and row of a document being deleted; true when all three are gone. */
  async finishDelete(document: Document): Promise<boolean> {
    try {
      await this.deps.vectors.deleteDocument(document.id);
      await this.deps.objects.remove(document.minio_path);
      await documentsRepository.deleteRow(this.deps.db, document.id);
      return true;
    } catch (error) {
      this.log.warn('delete not finished, the sweeper retries', {
        documentId: document.id,
        ...errorMeta(error),
      });
      return false;
    }
  }

  async sweep(): Promise<{ deletes: number; objects: number; vectors: number }> {
    const { db, objects, vectors, options } = this.deps;
    let deletes = 0;
    for (const document of await documentsRepository.findDeleting(db, BATCH)) {
      if (await this.finishDelete(document)) deletes += 1;
    }
    let removedObjects = 0;
    const listed = await objects.list('spaces/', 1000);
    const keyed = listed.flatMap((item) => {
      const id = KEY_PATTERN.exec(item.key)?.[1];
      return id === undefined ? [] : [{ ...item, id }];
    });
    const existing = await documentsRepository.existingIds(
      db,
      keyed.map((k) => k.id),
    );
    const graceLimit = Date.now() - options.orphanGraceSeconds * 1000;
    for (const item of keyed) {
      if (existing.has(item.id) || item.lastModified.getTime() > graceLimit) continue;
      await objects.remove(item.key);
      removedObjects += 1;
    }
    let removedVectors = 0;
    const pointed = await vectors.documentIds();
    const live = await documentsRepository.liveIds(db, pointed);
    for (const id of pointed) {
      if (live.has(id)) continue;
      await vectors.deleteDocument(id);
      removedVectors += 1;
    }
    if (deletes + removedObjects + removedVectors > 0) {
      this.log.info('sweeper pass', { deletes, objects: removedObjects, vectors: removedVectors });
    }
    return { deletes, objects: removedObjects, vectors: removedVectors };
  }

  /** Embeds documents that were indexed while no embedding backend was reachable; stops at the first miss. */
  async embedBacklog(): Promise<number> {
    const { db, pipeline } = this.deps;
    let embedded = 0;
    for (const document of await documentsRepository.findDensePending(db, 10)) {
      const dense = await pipeline.embedDocument(document, AbortSignal.timeout(600_000));
      const updated = await documentsRepository.update(db, document.id, {
        dense_status: dense,
        ...(dense === 'ready' ? { embedding_model: pipeline.embeddingModel } : {}),
      });
      if (dense === 'pending') break;
      embedded += 1;
      if (updated)
        await this.deps.events.emit({ document: toDocumentDto(updated), previousStatus: updated.status });
    }
    return embedded;
  }
}
