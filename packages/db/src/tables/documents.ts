import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Int8, Json, Timestamp } from '../column-types';

/** `indexing` is the seed's only in-between state; migration 035 adds the pipeline stages. */
export type DocumentStatus =
  | 'pending'
  | 'indexing'
  | 'parsing'
  | 'ocr'
  | 'chunking'
  | 'embedding'
  | 'indexed'
  | 'partial'
  | 'failed';

/** Whether the chunks have dense vectors: `pending` (keyword-only until embedded), `ready`, `none` (no chunks). */
export type DocumentDenseStatus = 'pending' | 'ready' | 'none';

/** Uploaded documents and their indexing state. */
export interface DocumentsTable {
  /** uuid. */
  id: Generated<string>;
  /** Sanitized file name (no path parts or control characters). */
  filename: string;
  /** The name as uploaded, for display. */
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
  /** Migration 035. */
  space_id: string;
  /** Hex sha256 of the content; unique per space among live rows. */
  content_sha256: string | null;
  uploaded_by: number | null;
  page_count: number | null;
  /** `de` or `en` (or NULL when unknown). */
  language: string | null;
  title: string | null;
  /** The pipeline stage running or last run (same vocabulary as `status`). */
  stage: string | null;
  /** 0–100. */
  progress: Generated<number>;
  attempts: Generated<number>;
  /** A worker holds the document until then; past it, the watchdog returns it to the queue. */
  lease_until: Timestamp | null;
  error_code: string | null;
  /** `[{ kind: 'page' | 'chunk', index, code, message }]` for `partial`. */
  failed_parts: Generated<Json>;
  dense_status: Generated<DocumentDenseStatus>;
  /** The embedding model of its vectors. */
  embedding_model: string | null;
  /** Set when a delete began; the row disappears once vectors and object are gone. */
  deleted_at: Timestamp | null;
}

export type Document = Selectable<DocumentsTable>;
export type NewDocument = Insertable<DocumentsTable>;
export type DocumentUpdate = Updateable<DocumentsTable>;
