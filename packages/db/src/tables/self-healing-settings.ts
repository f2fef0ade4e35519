import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Json, Timestamp } from '../column-types';

/** The operator's self-healing settings; a singleton row (`id = 1`), validated by the agent. */
export interface SelfHealingSettingsTable {
  id: number;
  settings: Json;
  updated_by: number | null;
  updated_at: Generated<Timestamp>;
}

export type SelfHealingSettingsRow = Selectable<SelfHealingSettingsTable>;
export type NewSelfHealingSettingsRow = Insertable<SelfHealingSettingsTable>;
export type SelfHealingSettingsRowUpdate = Updateable<SelfHealingSettingsTable>;
