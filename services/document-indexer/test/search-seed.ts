/**
 * Seeding for search tests, the evaluation command and the search benchmark: documents with one chunk per
 * page written straight into documents/document_chunks/document_sections (the ingest pipeline is tested on
 * its own), vectors through the real VectorStore, and a deterministic embedder.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { Embedder } from '../src/clients/embedding.client';
import type { VectorStore } from '../src/vectors/vector-store';

/**
 * A deterministic bag-of-words embedder: each word (lower case, first 6 letters as a crude stem) adds to
 * hashed dimensions. Texts sharing words are close, others near-orthogonal — enough to exercise dense
 * retrieval and fusion; it says nothing about semantic quality (only a real model does).
 */
export class HashingEmbedder implements Embedder {
  readonly model = 'hashing-test';
  constructor(readonly dimension = 64) {}

  embed(inputs: readonly string[]): Promise<number[][]> {
    return Promise.resolve(inputs.map((text) => this.vector(text)));
  }

  private vector(text: string): number[] {
    const out = new Array<number>(this.dimension).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []) {
      const digest = createHash('sha1').update(word.slice(0, 6)).digest();
      const index = digest.readUInt32BE(0) % this.dimension;
      out[index] = (out[index] ?? 0) + (digest[4] !== undefined && digest[4] % 2 === 0 ? 1 : -1);
    }
    return out;
  }
}

export interface SeedDocument {
  name: string;
  pages: string[];
  spaceId?: string;
  mimeType?: string;
  headingPath?: string[];
}

export async function defaultSpaceId(db: Kysely<Database>): Promise<string> {
  const row = await db
    .selectFrom('document_spaces')
    .select('id')
    .where('is_default', '=', true)
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function createSpace(db: Kysely<Database>, name: string): Promise<string> {
  const row = await db
    .insertInto('document_spaces')
    .values({ name, slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomUUID().slice(0, 8)}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A UUID derived from a name: the same seed gives the same ids (and the same tie order) on every run. */
function stableUuid(name: string): string {
  const hex = createHash('sha1').update(name).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Inserts the documents (status indexed, one chunk and one section per page) and, with an embedder, their
 * vectors. `stableIds`: ids derived from the document names (unique names required), so rankings that tie
 * break the same way on every run — the evaluation's numbers are reproducible.
 */
export async function seedDocuments(
  db: Kysely<Database>,
  vectors: VectorStore,
  embedder: Embedder | null,
  documents: readonly SeedDocument[],
  options: { stableIds?: boolean } = {},
): Promise<{ id: string; chunkIds: string[] }[]> {
  const newId = (key: string) => (options.stableIds ? stableUuid(key) : randomUUID());
  const fallbackSpace = await defaultSpaceId(db);
  const out: { id: string; chunkIds: string[] }[] = [];
  for (const doc of documents) {
    const spaceId = doc.spaceId ?? fallbackSpace;
    const id = newId(doc.name);
    await db
      .insertInto('documents')
      .values({
        id,
        filename: doc.name,
        original_name: doc.name,
        mime_type: doc.mimeType ?? 'application/pdf',
        size_bytes: doc.pages.join('').length,
        minio_path: `${spaceId}/${id}`,
        space_id: spaceId,
        status: 'indexed',
        page_count: doc.pages.length,
        chunk_count: doc.pages.length,
      })
      .execute();
    const chunks = doc.pages.map((content, index) => ({
      id: newId(`${doc.name}#${String(index)}`),
      document_id: id,
      chunk_index: index,
      content,
      section_index: index,
      page_start: index + 1,
      page_end: index + 1,
      heading_path: doc.headingPath ?? [],
      word_count: content.split(/\s+/).length,
    }));
    await db
      .insertInto('document_sections')
      .values(
        doc.pages.map((content, index) => ({
          document_id: id,
          section_index: index,
          heading_path: doc.headingPath ?? [],
          page_start: index + 1,
          page_end: index + 1,
          content,
        })),
      )
      .execute();
    await db.insertInto('document_chunks').values(chunks).execute();
    if (embedder) {
      const embedded = await embedder.embed(doc.pages);
      await vectors.ensureIndex(embedded[0]?.length ?? 0);
      await vectors.replaceDocument(
        id,
        chunks.map((c, i) => ({
          id: c.id,
          documentId: id,
          spaceId,
          chunkIndex: c.chunk_index,
          vector: embedded[i] ?? [],
        })),
      );
    }
    out.push({ id, chunkIds: chunks.map((c) => c.id) });
  }
  return out;
}
