import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Text chunks of a document; (document_id, chunk_index) is unique; deleted with the document. */
export interface DocumentChunksTable {
  /** uuid. */
  id: Generated<string>;
  document_id: string;
  chunk_index: number;
  content: string;
  /** Point id in the vector store. */
  embedding_id: string | null;
  created_at: Generated<Timestamp>;
}

export type DocumentChunk = Selectable<DocumentChunksTable>;
export type NewDocumentChunk = Insertable<DocumentChunksTable>;
export type DocumentChunkUpdate = Updateable<DocumentChunksTable>;
