import type { Selectable } from 'kysely';
import type { Generated, Json, Timestamp } from '../column-types';

/** Retrieval settings (migration 037), one row with id 1, owned by document-indexer. */
export interface RagSettingsTable {
  id: number;
  /** The validated `RagSettings` object of @arasul/contracts. */
  settings: Json;
  updated_by: number | null;
  updated_at: Generated<Timestamp>;
}

export type RagSettingsRow = Selectable<RagSettingsTable>;
