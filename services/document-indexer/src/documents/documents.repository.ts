import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, Document, DocumentStatus, DocumentUpdate, NewDocument } from '@arasul/db';
import type { Chunk, Section } from '../pipeline/chunker';

type Db = Kysely<Database> | Transaction<Database>;

/** Statuses a worker is in the middle of; a document in one of them holds a lease. */
export const TRANSIENT_STATUSES: readonly DocumentStatus[] = [
  'indexing',
  'parsing',
  'ocr',
  'chunking',
  'embedding',
];

export interface ListFilter {
  spaceId?: string | undefined;
  status?: DocumentStatus | undefined;
  nameContains?: string | undefined;
  /** Keyset: rows strictly after (createdAt, id) in descending order. */
  after?: { createdAt: Date; id: string } | undefined;
  limit: number;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** SQL of `documents`, `document_sections` and `document_chunks` (the indexer owns all three). */
export const documentsRepository = {
  async insert(db: Db, values: NewDocument): Promise<Document> {
    return db.insertInto('documents').values(values).returningAll().executeTakeFirstOrThrow();
  },

  async findLive(db: Db, id: string): Promise<Document | undefined> {
    return db
      .selectFrom('documents')
      .selectAll()
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  async findAny(db: Db, id: string): Promise<Document | undefined> {
    return db.selectFrom('documents').selectAll().where('id', '=', id).executeTakeFirst();
  },

  async findBySha(db: Db, spaceId: string, sha: string): Promise<Document | undefined> {
    return db
      .selectFrom('documents')
      .selectAll()
      .where('space_id', '=', spaceId)
      .where('content_sha256', '=', sha)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  async list(db: Db, filter: ListFilter): Promise<Document[]> {
    let query = db.selectFrom('documents').selectAll().where('deleted_at', 'is', null);
    if (filter.spaceId !== undefined) query = query.where('space_id', '=', filter.spaceId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    if (filter.nameContains !== undefined) {
      query = query.where(
        sql<boolean>`original_name ILIKE ${`%${escapeLike(filter.nameContains)}%`} ESCAPE '\\'`,
      );
    }
    if (filter.after !== undefined) {
      const { createdAt, id } = filter.after;
      query = query.where(sql<boolean>`(created_at, id) < (${createdAt}, ${id}::uuid)`);
    }
    return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
  },

  async update(db: Db, id: string, values: DocumentUpdate): Promise<Document | undefined> {
    return db
      .updateTable('documents')
      .set(values)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  /**
   * Takes the document for processing: only when it waits (`pending`) or its worker's lease ran out.
   * Counts the attempt and sets a lease. `undefined`: someone else has it, it is done, or it is gone.
   */
  async claim(db: Db, id: string, leaseSeconds: number): Promise<Document | undefined> {
    return db
      .updateTable('documents')
      .set({
        status: 'parsing',
        stage: 'parsing',
        progress: 0,
        attempts: sql<number>`attempts + 1`,
        lease_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})`,
        error_code: null,
        error_message: null,
      })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb('status', '=', 'pending'),
          eb.and([eb('status', 'in', TRANSIENT_STATUSES), eb('lease_until', '<', sql<Date>`now()`)]),
        ]),
      )
      .returningAll()
      .executeTakeFirst();
  },

  async renewLease(db: Db, id: string, leaseSeconds: number): Promise<void> {
    await db
      .updateTable('documents')
      .set({ lease_until: sql<Date>`now() + make_interval(secs => ${leaseSeconds})` })
      .where('id', '=', id)
      .where('status', 'in', TRANSIENT_STATUSES)
      .execute();
  },

  /** Replaces every section and chunk of the document in one go (the caller's transaction). */
  async replaceChunks(
    trx: Transaction<Database>,
    documentId: string,
    sections: readonly Section[],
    chunks: readonly (Chunk & { id: string })[],
  ): Promise<void> {
    await trx.deleteFrom('document_chunks').where('document_id', '=', documentId).execute();
    await trx.deleteFrom('document_sections').where('document_id', '=', documentId).execute();
    for (let i = 0; i < sections.length; i += 500) {
      await trx
        .insertInto('document_sections')
        .values(
          sections.slice(i, i + 500).map((s) => ({
            document_id: documentId,
            section_index: s.index,
            heading_path: s.headingPath,
            page_start: s.pageStart,
            page_end: s.pageEnd,
            content: s.content,
          })),
        )
        .execute();
    }
    for (let i = 0; i < chunks.length; i += 500) {
      await trx
        .insertInto('document_chunks')
        .values(
          chunks.slice(i, i + 500).map((c) => ({
            id: c.id,
            document_id: documentId,
            chunk_index: c.index,
            content: c.content,
            embedding_id: null,
            section_index: c.sectionIndex,
            page_start: c.pageStart,
            page_end: c.pageEnd,
            heading_path: c.headingPath,
            word_count: c.wordCount,
          })),
        )
        .execute();
    }
  },

  async chunksForEmbedding(
    db: Db,
    documentId: string,
  ): Promise<{ id: string; chunk_index: number; content: string }[]> {
    return db
      .selectFrom('document_chunks')
      .select(['id', 'chunk_index', 'content'])
      .where('document_id', '=', documentId)
      .orderBy('chunk_index')
      .execute();
  },

  async markEmbedded(db: Db, documentId: string): Promise<void> {
    await db
      .updateTable('document_chunks')
      .set({ embedding_id: sql<string>`id::text` })
      .where('document_id', '=', documentId)
      .execute();
  },

  async listChunks(db: Db, documentId: string, offset: number, limit: number) {
    return db
      .selectFrom('document_chunks')
      .select([
        'id',
        'chunk_index',
        'content',
        'page_start',
        'page_end',
        'heading_path',
        'section_index',
        'word_count',
      ])
      .where('document_id', '=', documentId)
      .orderBy('chunk_index')
      .offset(offset)
      .limit(limit)
      .execute();
  },

  async markDeleting(db: Db, id: string): Promise<Document | undefined> {
    return db
      .updateTable('documents')
      .set({ deleted_at: sql<Date>`now()`, lease_until: null })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returningAll()
      .executeTakeFirst();
  },

  async deleteRow(db: Db, id: string): Promise<void> {
    await db.deleteFrom('documents').where('id', '=', id).execute();
  },

  /** Documents whose worker's lease ran out (a killed process). */
  async findExpiredLeases(db: Db, limit: number): Promise<Document[]> {
    return db
      .selectFrom('documents')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('status', 'in', TRANSIENT_STATUSES)
      .where('lease_until', '<', sql<Date>`now()`)
      .limit(limit)
      .execute();
  },

  /** `pending` documents nobody took for a while (their job message was lost). */
  async findStalePending(db: Db, olderThanSeconds: number, limit: number): Promise<Document[]> {
    return db
      .selectFrom('documents')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('status', '=', 'pending')
      .where('updated_at', '<', sql<Date>`now() - make_interval(secs => ${olderThanSeconds})`)
      .limit(limit)
      .execute();
  },

  async findDeleting(db: Db, limit: number): Promise<Document[]> {
    return db.selectFrom('documents').selectAll().where('deleted_at', 'is not', null).limit(limit).execute();
  },

  async findDensePending(db: Db, limit: number): Promise<Document[]> {
    return db
      .selectFrom('documents')
      .selectAll()
      .where('deleted_at', 'is', null)
      .where('status', 'in', ['indexed', 'partial'])
      .where('dense_status', '=', 'pending')
      .orderBy('updated_at')
      .limit(limit)
      .execute();
  },

  /** Of these ids, the ones that have a row (live or being deleted). */
  async existingIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db.selectFrom('documents').select('id').where('id', 'in', ids).execute();
    return new Set(rows.map((r) => r.id));
  },

  async liveIds(db: Db, ids: readonly string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows = await db
      .selectFrom('documents')
      .select('id')
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .execute();
    return new Set(rows.map((r) => r.id));
  },

  async markAllDensePending(db: Db): Promise<number> {
    const result = await db
      .updateTable('documents')
      .set({ dense_status: 'pending' })
      .where('dense_status', '=', 'ready')
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },

  async stats(db: Db): Promise<{
    byStatus: Record<string, number>;
    documents: number;
    bytes: number;
    chunks: number;
    denseBacklog: number;
  }> {
    const rows = await db
      .selectFrom('documents')
      .select([
        'status',
        sql<number>`count(*)::int`.as('n'),
        sql<string>`coalesce(sum(size_bytes), 0)::text`.as('bytes'),
        sql<number>`coalesce(sum(chunk_count), 0)::int`.as('chunks'),
        sql<number>`count(*) FILTER (WHERE dense_status = 'pending' AND status IN ('indexed', 'partial'))::int`.as(
          'dense',
        ),
      ])
      .where('deleted_at', 'is', null)
      .groupBy('status')
      .execute();
    const byStatus: Record<string, number> = {};
    let documents = 0;
    let bytes = 0;
    let chunks = 0;
    let denseBacklog = 0;
    for (const row of rows) {
      byStatus[row.status] = row.n;
      documents += row.n;
      bytes += Number(row.bytes);
      chunks += row.chunks;
      denseBacklog += row.dense;
    }
    return { byStatus, documents, bytes, chunks, denseBacklog };
  },
};
