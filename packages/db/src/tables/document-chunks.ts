import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, GeneratedAlways, Timestamp } from '../column-types';

/** Text chunks of a document; (document_id, chunk_index) is unique; deleted with the document. */
export interface DocumentChunksTable {
  /** uuid; also the point id of its vector. */
  id: Generated<string>;
  document_id: string;
  chunk_index: number;
  content: string;
  /** Point id in the vector store. */
  embedding_id: string | null;
  created_at: Generated<Timestamp>;
  /** Migration 035: the parent section (`document_sections.section_index`). */
  section_index: number | null;
  /** 1-based pages; NULL for formats without pages. */
  page_start: number | null;
  page_end: number | null;
  heading_path: Generated<string[]>;
  word_count: Generated<number>;
  /** to_tsvector('german', content), GIN-indexed. */
  fts_german: GeneratedAlways<string>;
  /** to_tsvector('simple', content), GIN-indexed. */
  fts_simple: GeneratedAlways<string>;
}

export type DocumentChunk = Selectable<DocumentChunksTable>;
export type NewDocumentChunk = Insertable<DocumentChunksTable>;
export type DocumentChunkUpdate = Updateable<DocumentChunksTable>;
