import type { Insertable, Selectable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** The embedded vector store of native mode (migration 035): one row per point, float32 little-endian. */
export interface DocumentVectorsTable {
  /** The point id (= the chunk id). */
  id: string;
  document_id: string;
  space_id: string;
  chunk_index: number;
  vector: Buffer;
  created_at: Generated<Timestamp>;
}

/** Which embedding model and dimension a vector index holds (migration 035). */
export interface DocumentVectorIndexTable {
  name: string;
  model: string;
  dimension: number;
  updated_at: Generated<Timestamp>;
}

export type DocumentVector = Selectable<DocumentVectorsTable>;
export type NewDocumentVector = Insertable<DocumentVectorsTable>;
export type DocumentVectorIndex = Selectable<DocumentVectorIndexTable>;
