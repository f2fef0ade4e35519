import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

export type LlmModelSwitchTrigger = 'user' | 'queue' | 'workflow' | 'auto';

/** Log of model loads/switches, to see what model churn costs. */
export interface LlmModelSwitchesTable {
  id: Generated<number>;
  from_model: string | null;
  to_model: string;
  switch_duration_ms: number | null;
  triggered_by: LlmModelSwitchTrigger;
  switched_at: Generated<Timestamp>;
}

export type LlmModelSwitch = Selectable<LlmModelSwitchesTable>;
export type NewLlmModelSwitch = Insertable<LlmModelSwitchesTable>;
export type LlmModelSwitchUpdate = Updateable<LlmModelSwitchesTable>;
