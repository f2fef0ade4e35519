import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type {
  DocumentChunkDto,
  DocumentDto,
  DocumentList,
  DocumentPatch,
  DocumentStats,
} from '@arasul/contracts';
import type { Database, Document, DocumentStatus } from '@arasul/db';
import { type AmqpClient, type Logger, ValidationError, auditFailure, errorMeta } from '@arasul/service-kit';
import type { Actor, Auditor } from '../audit/auditor';
import { detectType, sanitizeFilename, stripControlCharacters } from '../pipeline/detect-type';
import { type Maintenance, objectKey } from '../pipeline/maintenance';
import type { SpacesService } from '../spaces/spaces.service';
import { type IncomingFile, readMultipart } from '../storage/multipart';
import type { ObjectStore } from '../storage/object-store';
import type { VectorStore } from '../vectors/vector-store';
import {
  DocumentBusyError,
  DocumentNotFoundError,
  DuplicateDocumentError,
  EmptyFileError,
  NoFilesError,
  UnsupportedTypeError,
} from './documents.errors';
import { toDocumentDto } from './documents.mapper';
import { type ListFilter, TRANSIENT_STATUSES, documentsRepository } from './documents.repository';
import type { StatusEvents } from './status-events';

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
}

export function encodeCursor(document: Pick<Document, 'created_at' | 'id'>): string {
  return Buffer.from(`${document.created_at.toISOString()}|${document.id}`).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: Date; id: string } {
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id ?? '')) {
    throw new ValidationError('The cursor is invalid.', undefined, 'invalid_cursor');
  }
  return { createdAt, id: id ?? '' };
}

export interface DocumentsServiceDeps {
  db: Kysely<Database>;
  objects: ObjectStore;
  vectors: VectorStore;
  spaces: SpacesService;
  bus: Pick<AmqpClient, 'sendToQueue'>;
  events: StatusEvents;
  maintenance: Maintenance;
  audit: Auditor;
  logger: Logger;
  maxUploadBytes: number;
  maxFilesPerUpload: number;
}

/** Uploads, listing, changes and deletes of documents; the pipeline does the indexing. */
export class DocumentsService {
  private readonly log: Logger;

  constructor(private readonly deps: DocumentsServiceDeps) {
    this.log = deps.logger.child({ module: 'documents' });
  }

  /**
   * Streams every file of a multipart upload into the object store and creates its row, then queues it.
   * All or nothing: when one file is refused, the ones stored before it in this request are removed again.
   */
  async upload(request: Readable & { headers: IncomingHttpHeaders }, actor: Actor): Promise<DocumentDto[]> {
    const { db, objects } = this.deps;
    const created: Document[] = [];
    let spaceId: string | undefined;
    let space: Awaited<ReturnType<SpacesService['resolve']>> | undefined;
    try {
      await readMultipart(
        request,
        { maxFileBytes: this.deps.maxUploadBytes, maxFiles: this.deps.maxFilesPerUpload },
        {
          onField: (name, value) => {
            if (name !== 'spaceId') return;
            if (space !== undefined) {
              throw new ValidationError('Send spaceId before the files.', undefined, 'field_order');
            }
            if (!/^[0-9a-f-]{36}$/i.test(value)) {
              throw new ValidationError('spaceId is not a valid id.', undefined, 'invalid_space');
            }
            spaceId = value;
          },
          onFile: async (file) => {
            space ??= await this.deps.spaces.resolve(spaceId);
            created.push(await this.storeFile(file, space.id, actor));
          },
        },
      );
      if (created.length === 0) throw new NoFilesError();
    } catch (error) {
      for (const document of created) {
        await documentsRepository.deleteRow(db, document.id).catch(() => undefined);
        await objects.remove(document.minio_path).catch(() => undefined); // else the sweeper takes it
      }
      // All or nothing: one row for the refused request, naming the files it had stored and removed again.
      await this.deps.audit.record(actor, 'document.uploaded', 'failure', null, {
        ...auditFailure(error),
        ...(space === undefined ? {} : { spaceId: space.id }),
        removed: created.map((document) => document.original_name),
      });
      throw error;
    }
    for (const document of created) {
      await this.deps.audit.record(
        actor,
        'document.uploaded',
        'success',
        { type: 'document', id: document.id },
        {
          name: document.original_name,
          spaceId: document.space_id,
          mimeType: document.mime_type,
          sizeBytes: Number(document.size_bytes),
        },
      );
    }
    for (const document of created) {
      await this.deps.events.emit({ document: toDocumentDto(document), previousStatus: null });
      try {
        await this.deps.bus.sendToQueue('documents.index', { documentId: document.id, reason: 'upload' });
      } catch (error) {
        // The row is `pending`: the watchdog re-sends the job of a pending document nobody took.
        this.log.warn('index job not sent now, the watchdog will', {
          documentId: document.id,
          ...errorMeta(error),
        });
      }
    }
    this.log.info('documents uploaded', {
      count: created.length,
      userId: actor.userId,
      spaceId: space?.id,
    });
    return created.map(toDocumentDto);
  }

  private async storeFile(file: IncomingFile, spaceId: string, actor: Actor): Promise<Document> {
    const { db, objects } = this.deps;
    const originalName = (file.filename.split(/[/\\]/).pop() ?? '').slice(0, 255) || 'dokument';
    const filename = sanitizeFilename(file.filename);
    if (file.head.length === 0) {
      file.body.resume();
      throw new EmptyFileError(filename);
    }
    const detection = detectType(file.head, filename);
    if (!detection.ok) {
      file.body.destroy();
      throw new UnsupportedTypeError(filename, detection.detected, detection.reason);
    }
    const id = randomUUID();
    const key = objectKey(spaceId, id);
    try {
      await objects.put(key, file.body, detection.mimeType);
    } catch (error) {
      await objects.remove(key).catch(() => undefined);
      throw file.failure() ?? error;
    }
    const stopped = file.failure();
    if (stopped) {
      await objects.remove(key).catch(() => undefined);
      throw stopped;
    }
    const { size, sha256 } = file.result();
    const existing = await documentsRepository.findBySha(db, spaceId, sha256);
    if (existing) {
      await objects.remove(key);
      throw new DuplicateDocumentError(filename, existing.id);
    }
    try {
      return await documentsRepository.insert(db, {
        id,
        filename,
        original_name: stripControlCharacters(originalName),
        mime_type: detection.mimeType,
        size_bytes: size,
        minio_path: key,
        space_id: spaceId,
        content_sha256: sha256,
        uploaded_by: actor.userId,
        status: 'pending',
      });
    } catch (error) {
      await objects.remove(key).catch(() => undefined);
      if (isUniqueViolation(error)) {
        const other = await documentsRepository.findBySha(db, spaceId, sha256);
        throw new DuplicateDocumentError(filename, other?.id ?? '');
      }
      throw error;
    }
  }

  async list(filter: Omit<ListFilter, 'after'> & { cursor?: string | undefined }): Promise<DocumentList> {
    const rows = await documentsRepository.list(this.deps.db, {
      ...filter,
      after: filter.cursor === undefined ? undefined : decodeCursor(filter.cursor),
      limit: filter.limit + 1,
    });
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      items: page.map(toDocumentDto),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null,
    };
  }

  async get(id: string): Promise<DocumentDto> {
    return toDocumentDto(await this.require(id));
  }

  async chunks(
    id: string,
    offset: number,
    limit: number,
  ): Promise<{ items: DocumentChunkDto[]; total: number }> {
    const document = await this.require(id);
    const rows = await documentsRepository.listChunks(this.deps.db, id, offset, limit);
    return {
      total: document.chunk_count,
      items: rows.map((row) => ({
        id: row.id,
        chunkIndex: row.chunk_index,
        content: row.content,
        pageStart: row.page_start,
        pageEnd: row.page_end,
        headingPath: row.heading_path,
        sectionIndex: row.section_index,
        wordCount: row.word_count,
      })),
    };
  }

  async download(id: string): Promise<{ document: DocumentDto; body: Readable }> {
    const document = await this.require(id);
    return { document: toDocumentDto(document), body: await this.deps.objects.get(document.minio_path) };
  }

  patch(id: string, patch: DocumentPatch, actor: Actor): Promise<DocumentDto> {
    return this.deps.audit.around(
      actor,
      'document.changed',
      { type: 'document', id },
      () => this.change(id, patch, actor),
      (document) => ({
        ...(patch.originalName === undefined ? {} : { name: document.originalName }),
        ...(patch.spaceId === undefined ? {} : { spaceId: document.spaceId }),
      }),
    );
  }

  private async change(id: string, patch: DocumentPatch, actor: Actor): Promise<DocumentDto> {
    const { db } = this.deps;
    const document = await this.require(id);
    let spaceId = document.space_id;
    if (patch.spaceId !== undefined && patch.spaceId !== document.space_id) {
      spaceId = (await this.deps.spaces.resolve(patch.spaceId)).id;
      const twin =
        document.content_sha256 === null
          ? undefined
          : await documentsRepository.findBySha(db, spaceId, document.content_sha256);
      if (twin) throw new DuplicateDocumentError(document.original_name, twin.id);
    }
    let updated: Document | undefined;
    try {
      updated = await documentsRepository.update(db, id, {
        ...(patch.originalName === undefined
          ? {}
          : { original_name: patch.originalName, filename: sanitizeFilename(patch.originalName) }),
        space_id: spaceId,
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateDocumentError(document.original_name, '');
      throw error;
    }
    if (!updated) throw new DocumentNotFoundError();
    // The vector payloads follow the move (the chunks read the space from the row).
    if (spaceId !== document.space_id) await this.deps.vectors.setDocumentSpace(id, spaceId);
    this.log.info('document changed', {
      documentId: id,
      userId: actor.userId,
      moved: spaceId !== document.space_id,
    });
    await this.deps.events.emit({ document: toDocumentDto(updated), previousStatus: updated.status });
    return toDocumentDto(updated);
  }

  /** Hidden at once; vectors, object and row follow (the sweeper finishes a part that fails). */
  delete(id: string, actor: Actor): Promise<void> {
    return this.deps.audit.around(actor, 'document.deleted', { type: 'document', id }, () =>
      this.remove(id, actor),
    );
  }

  private async remove(id: string, actor: Actor): Promise<void> {
    const document = await documentsRepository.markDeleting(this.deps.db, id);
    if (!document) throw new DocumentNotFoundError();
    await this.deps.events.emit({
      document: toDocumentDto(document),
      previousStatus: document.status,
      deleted: true,
    });
    await this.deps.maintenance.finishDelete(document);
    this.log.info('document deleted', { documentId: id, userId: actor.userId });
  }

  reindex(id: string, actor: Actor): Promise<DocumentDto> {
    return this.deps.audit.around(actor, 'document.reindexed', { type: 'document', id }, async () => {
      const document = await this.require(id);
      if (TRANSIENT_STATUSES.includes(document.status)) throw new DocumentBusyError();
      const updated = await this.requeue(document);
      this.log.info('document re-index requested', { documentId: id, userId: actor.userId });
      return toDocumentDto(updated ?? document);
    });
  }

  retryFailed(actor: Actor): Promise<{ requeued: number }> {
    return this.deps.audit.around(
      actor,
      'document.retry_failed',
      null,
      async () => {
        const failed = await documentsRepository.list(this.deps.db, { status: 'failed', limit: 1000 });
        for (const document of failed) await this.requeue(document);
        this.log.info('failed documents re-queued', { count: failed.length, userId: actor.userId });
        return { requeued: failed.length };
      },
      (result) => result,
    );
  }

  async stats(): Promise<DocumentStats> {
    const stats = await documentsRepository.stats(this.deps.db);
    const info = await this.deps.vectors.info().catch(() => ({ points: 0 }));
    return {
      ...stats,
      vectorStore: {
        kind: this.deps.vectors.kind,
        fallback: this.deps.vectors.fallback,
        points: info.points,
      },
    };
  }

  private async requeue(document: Document): Promise<Document | undefined> {
    const updated = await documentsRepository.update(this.deps.db, document.id, {
      status: 'pending' satisfies DocumentStatus,
      stage: null,
      progress: 0,
      attempts: 0,
      lease_until: null,
      error_code: null,
      error_message: null,
    });
    if (!updated) return undefined;
    await this.deps.events.emit({ document: toDocumentDto(updated), previousStatus: document.status });
    await this.deps.bus.sendToQueue('documents.index', { documentId: document.id, reason: 'reindex' });
    return updated;
  }

  private async require(id: string): Promise<Document> {
    const document = await documentsRepository.findLive(this.deps.db, id);
    if (!document) throw new DocumentNotFoundError();
    return document;
  }
}
