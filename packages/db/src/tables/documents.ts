import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Int8 } from '../column-types';

export type DocumentStatus = 'pending' | 'indexing' | 'indexed' | 'failed';

/** Uploaded documents and their indexing state. */
export interface DocumentsTable {
  /** uuid. */
  id: Generated<string>;
  filename: string;
  original_name: string;
  mime_type: string | null;
  size_bytes: Int8;
  /** Object key in the object store. */
  minio_path: string;
  status: Generated<DocumentStatus>;
  chunk_count: Generated<number>;
  error_message: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
  indexed_at: Timestamp | null;
}

export type Document = Selectable<DocumentsTable>;
export type NewDocument = Insertable<DocumentsTable>;
export type DocumentUpdate = Updateable<DocumentsTable>;
