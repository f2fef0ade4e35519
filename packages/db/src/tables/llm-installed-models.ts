import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Int8, Timestamp } from '../column-types';

export type LlmInstalledModelStatus = 'downloading' | 'available' | 'error';

/** Models present (or downloading) in Ollama. At most one has `is_default`. */
export interface LlmInstalledModelsTable {
  /** Model id as pulled. */
  id: string;
  status: Generated<LlmInstalledModelStatus>;
  /** 0–100. */
  download_progress: Generated<number>;
  downloaded_at: Timestamp | null;
  last_used_at: Timestamp | null;
  usage_count: Generated<number>;
  is_default: Generated<boolean>;
  // Migration 032, as reported by Ollama's /api/tags:
  size_bytes: Int8 | null;
  digest: string | null;
  /** Why the last pull failed. */
  error: string | null;
}

export type LlmInstalledModel = Selectable<LlmInstalledModelsTable>;
export type NewLlmInstalledModel = Insertable<LlmInstalledModelsTable>;
export type LlmInstalledModelUpdate = Updateable<LlmInstalledModelsTable>;
