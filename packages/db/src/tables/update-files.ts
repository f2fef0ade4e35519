import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Int8, Json } from '../column-types';

/** Uploaded update packages and their verification state. */
export interface UpdateFilesTable {
  id: Generated<number>;
  filename: string;
  file_path: string;
  /** Hex, 64 characters. */
  checksum_sha256: string;
  file_size_bytes: Int8;
  source: string;
  uploaded_at: Generated<Timestamp>;
  signature_verified: Generated<boolean>;
  manifest: Json | null;
  /** Defaults to 'pending'. */
  validation_status: Generated<string>;
  applied: Generated<boolean>;
}

export type UpdateFile = Selectable<UpdateFilesTable>;
export type NewUpdateFile = Insertable<UpdateFilesTable>;
export type UpdateFileUpdate = Updateable<UpdateFilesTable>;
