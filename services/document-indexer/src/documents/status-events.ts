import { EventEmitter } from 'node:events';
import type { DocumentDto, DocumentStatus } from '@arasul/contracts';
import { type AmqpClient, type Logger, errorMeta } from '@arasul/service-kit';

export interface StatusChange {
  document: DocumentDto;
  previousStatus: DocumentStatus | null;
  deleted?: boolean;
}

/**
 * Where status changes go: every change (progress too) to the in-process listeners of
 * `GET /api/documents/events`; a change of *status* also to the bus as `document.status.changed`.
 * The row is the source of truth: a publish that fails is logged, never fails the pipeline.
 */
export class StatusEvents {
  private readonly emitter = new EventEmitter();

  constructor(
    private readonly bus: Pick<AmqpClient, 'publish'> | null,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(1000);
  }

  on(listener: (change: StatusChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }

  async emit(change: StatusChange): Promise<void> {
    this.emitter.emit('change', change);
    const { document } = change;
    if (!change.deleted && change.previousStatus === document.status) return;
    if (!this.bus) return;
    try {
      await this.bus.publish('document.status.changed', {
        documentId: document.id,
        originalName: document.originalName.slice(0, 255),
        status: document.status,
        previousStatus: change.previousStatus,
        chunkCount: document.chunkCount,
        spaceId: document.spaceId,
        progress: document.progress,
        ...(document.errorCode === null ? {} : { errorCode: document.errorCode.slice(0, 50) }),
        ...(document.errorMessage === null ? {} : { error: document.errorMessage.slice(0, 4000) }),
        ...(change.deleted ? { deleted: true } : {}),
      });
    } catch (error) {
      this.logger.warn('document status event not published', {
        documentId: document.id,
        ...errorMeta(error),
      });
    }
  }
}
