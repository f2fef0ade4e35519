import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline as pipeStreams } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { FailedPart } from '@arasul/contracts';
import type { Database, Document, DocumentDenseStatus, DocumentStatus, DocumentUpdate } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit';
import { type Embedder, EmbeddingUnavailableError } from '../clients/embedding.client';
import { toDocumentDto } from '../documents/documents.mapper';
import { documentsRepository } from '../documents/documents.repository';
import type { StatusEvents } from '../documents/status-events';
import type { ObjectStore } from '../storage/object-store';
import type { VectorStore } from '../vectors/vector-store';
import { chunkDocument } from './chunker';
import { type DocumentKind, MIME_TYPES } from './detect-type';
import type { EmbeddingIndex } from './embedding-index';
import { detectLanguage } from './language';
import type { OcrOptions } from './ocr';
import { PermanentParseError } from './parsed-document';
import { parseDocument } from './parsers/parse-document';

export interface PipelineOptions {
  leaseSeconds: number;
  maxAttempts: number;
  maxPages: number;
  embeddingBatch: number;
  toolTimeoutMs: number;
  ocr: OcrOptions & { available: boolean };
}

export interface PipelineDeps {
  db: Kysely<Database>;
  objects: ObjectStore;
  vectors: VectorStore;
  embedder: Embedder;
  embeddingIndex: EmbeddingIndex;
  events: StatusEvents;
  logger: Logger;
  options: PipelineOptions;
}

/** Progress bands of the stages: parse/OCR 0–50, chunking 50–60, embedding 60–100. */
const BANDS = { parsing: [0, 50], ocr: [0, 50], chunking: [50, 60], embedding: [60, 100] } as const;

const KIND_BY_MIME = new Map<string, DocumentKind>(
  Object.entries(MIME_TYPES).map(([kind, mime]) => [mime, kind as DocumentKind]),
);

/** Chunk ids derive from (document, index): processing twice gives the same ids, so upserts never duplicate. */
export function chunkId(documentId: string, index: number): string {
  const hex = createHash('sha256').update(`${documentId}:${index}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * One document through parse → OCR → chunk → embed → index. At-least-once safe: a document is claimed
 * (`pending`, or a lease that ran out) before any work, its chunks and vectors are replaced as a whole, and
 * its end state is written once. Failures a retry cannot fix end `failed` at once; others go back to
 * `pending` for the queue's back-off until `maxAttempts`.
 */
export class IndexingPipeline {
  private readonly log: Logger;

  constructor(private readonly deps: PipelineDeps) {
    this.log = deps.logger.child({ module: 'pipeline' });
  }

  get embeddingModel(): string {
    return this.deps.embedder.model;
  }

  /** `skipped`: another worker has it, it is already done, or it is gone (a duplicate message). */
  async process(documentId: string, signal: AbortSignal): Promise<'done' | 'skipped'> {
    const { db, options } = this.deps;
    const before = await documentsRepository.findLive(db, documentId);
    const claimed = await documentsRepository.claim(db, documentId, options.leaseSeconds);
    if (!claimed) return 'skipped';
    await this.emit(claimed, before?.status ?? null);
    if (claimed.attempts > options.maxAttempts) {
      await this.fail(
        claimed,
        'too_many_attempts',
        `Indexing was tried ${options.maxAttempts} times without success.`,
      );
      return 'done';
    }
    const renew = setInterval(
      () => {
        documentsRepository.renewLease(db, documentId, options.leaseSeconds).catch((error: unknown) => {
          this.log.warn('lease not renewed', { documentId, ...errorMeta(error) });
        });
      },
      Math.max(1000, (options.leaseSeconds * 1000) / 3),
    );
    const workDir = await mkdtemp(join(tmpdir(), 'arasul-doc-'));
    try {
      await this.run(claimed, workDir, signal);
      return 'done';
    } catch (error) {
      await this.onError(claimed, error, signal);
      return 'done';
    } finally {
      clearInterval(renew);
      await rm(workDir, { recursive: true, force: true });
    }
  }

  private async run(document: Document, workDir: string, signal: AbortSignal): Promise<void> {
    const { db, objects, options } = this.deps;
    const kind = KIND_BY_MIME.get(document.mime_type ?? '');
    if (kind === undefined)
      throw new PermanentParseError('unsupported_type', 'This file type is not supported.');
    const file = join(workDir, `source.${kind}`);
    await pipeStreams(await objects.get(document.minio_path), createWriteStream(file, { mode: 0o600 }), {
      signal,
    });

    let current = document;
    const progress = this.progressReporter(
      () => current,
      (next) => (current = next),
    );
    const parsed = await parseDocument(
      kind,
      file,
      { workDir, ocr: options.ocr, maxPages: options.maxPages, toolTimeoutMs: options.toolTimeoutMs, signal },
      (fraction, stage) => progress(stage, fraction),
    );
    if (parsed.blocks.length === 0 && parsed.failedParts.length === 0) {
      throw new PermanentParseError('no_text', 'The document contains no readable text.');
    }

    await progress('chunking', 0);
    const { sections, chunks } = chunkDocument(parsed.blocks);
    const text = parsed.blocks.map((b) => b.text).join('\n');
    const firstHeading = parsed.blocks.find((b) => b.kind === 'heading')?.text ?? null;
    const withIds = chunks.map((chunk) => ({ ...chunk, id: chunkId(document.id, chunk.index) }));
    const stored = await db.transaction().execute(async (trx) => {
      const row = await documentsRepository.findLive(trx, document.id);
      if (!row) return undefined;
      await documentsRepository.replaceChunks(trx, document.id, sections, withIds);
      return documentsRepository.update(trx, document.id, {
        page_count: parsed.pageCount,
        language: detectLanguage(text),
        title: (parsed.title ?? firstHeading)?.slice(0, 500) ?? null,
        chunk_count: withIds.length,
        failed_parts: JSON.stringify(parsed.failedParts),
        dense_status: withIds.length === 0 ? 'none' : 'pending',
      });
    });
    if (!stored) return; // deleted meanwhile: the delete cleans up
    current = stored;

    const dense =
      withIds.length === 0
        ? 'none'
        : await this.embedDocument(stored, signal, (f) => progress('embedding', f));
    await this.finish(current, parsed.failedParts, dense);
  }

  /**
   * Embeds the document's chunks in batches and replaces its vectors. `pending` when no embedding backend is
   * reachable: the document is searchable by keywords and embedded later, never failed for that.
   */
  async embedDocument(
    document: Document,
    signal: AbortSignal,
    onProgress: (fraction: number) => Promise<void> = () => Promise.resolve(),
  ): Promise<DocumentDenseStatus> {
    const { db, embedder, vectors, embeddingIndex, options } = this.deps;
    const chunks = await documentsRepository.chunksForEmbedding(db, document.id);
    if (chunks.length === 0) {
      await vectors.deleteDocument(document.id);
      return 'none';
    }
    const embeddings: number[][] = [];
    try {
      for (let i = 0; i < chunks.length; i += options.embeddingBatch) {
        const batch = chunks.slice(i, i + options.embeddingBatch);
        embeddings.push(
          ...(await embedder.embed(
            batch.map((c) => c.content),
            signal,
          )),
        );
        await onProgress(Math.min(1, (i + batch.length) / chunks.length));
      }
    } catch (error) {
      if (!(error instanceof EmbeddingUnavailableError)) throw error;
      this.log.warn('no embeddings now: keyword search only until the backend returns', {
        documentId: document.id,
        reason: error.message,
      });
      // Vectors of an older version would point at text that changed: drop them.
      await vectors.deleteDocument(document.id);
      return 'pending';
    }
    const dimension = embeddings[0]?.length ?? 0;
    await embeddingIndex.ensure(dimension);
    await vectors.replaceDocument(
      document.id,
      chunks.map((chunk, i) => ({
        id: chunk.id,
        documentId: document.id,
        spaceId: document.space_id,
        chunkIndex: chunk.chunk_index,
        vector: embeddings[i] ?? [],
      })),
    );
    await documentsRepository.markEmbedded(db, document.id);
    if (!(await documentsRepository.findLive(db, document.id))) {
      await vectors.deleteDocument(document.id); // deleted while embedding: no zombie vectors
    }
    return 'ready';
  }

  private async finish(
    document: Document,
    failedParts: FailedPart[],
    dense: DocumentDenseStatus,
  ): Promise<void> {
    const status: DocumentStatus = failedParts.length > 0 ? 'partial' : 'indexed';
    const first = failedParts[0];
    await this.transition(document, {
      status,
      stage: null,
      progress: 100,
      lease_until: null,
      indexed_at: new Date(),
      dense_status: dense,
      embedding_model: dense === 'ready' ? this.deps.embedder.model : null,
      error_code: first?.code ?? null,
      error_message:
        first === undefined
          ? null
          : `${failedParts.length} part(s) could not be read, e.g.: ${first.message}`,
    });
    this.log.info('document indexed', {
      documentId: document.id,
      status,
      dense,
      failedParts: failedParts.length,
    });
  }

  private async fail(document: Document, code: string, message: string): Promise<void> {
    await this.transition(document, {
      status: 'failed',
      stage: null,
      lease_until: null,
      error_code: code,
      error_message: message,
    });
    this.log.warn('document failed', { documentId: document.id, code, message });
  }

  private async onError(document: Document, error: unknown, signal: AbortSignal): Promise<void> {
    const current = (await documentsRepository.findLive(this.deps.db, document.id)) ?? document;
    if (error instanceof PermanentParseError) {
      await this.fail(current, error.code, error.message);
      return;
    }
    const message = error instanceof Error ? error.message.slice(0, 1000) : 'unknown error';
    if (!signal.aborted && current.attempts >= this.deps.options.maxAttempts) {
      await this.fail(
        current,
        'processing_failed',
        `Indexing failed ${current.attempts} times; last error: ${message}`,
      );
      return;
    }
    // Transient: back to the queue; the consumer's retry redelivers it with back-off.
    await this.transition(current, {
      status: 'pending',
      stage: null,
      progress: 0,
      lease_until: null,
      error_code: 'retrying',
      error_message: `Attempt ${current.attempts} failed, will retry: ${message}`,
    });
    throw error;
  }

  private async transition(document: Document, values: DocumentUpdate): Promise<Document | undefined> {
    const updated = await documentsRepository.update(this.deps.db, document.id, values);
    if (updated) await this.emit(updated, document.status);
    return updated;
  }

  private emit(document: Document, previousStatus: DocumentStatus | null): Promise<void> {
    return this.deps.events.emit({ document: toDocumentDto(document), previousStatus });
  }

  /** Writes stage and progress when the stage changes or progress moves by at least 2 points. */
  private progressReporter(
    get: () => Document,
    set: (document: Document) => void,
  ): (stage: keyof typeof BANDS, fraction: number) => Promise<void> {
    return async (stage, fraction) => {
      const [from, to] = BANDS[stage];
      const progress = Math.round(from + (to - from) * Math.min(1, Math.max(0, fraction)));
      const current = get();
      if (current.status === stage && Math.abs(progress - current.progress) < 2) return;
      const updated = await this.transition(current, { status: stage, stage, progress });
      if (updated) set(updated);
    };
  }
}
