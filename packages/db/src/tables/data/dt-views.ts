import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json, JsonValue } from '../../column-types';

/** A saved filter/sort configuration of a user-defined table; name is unique per table, at most one default. */
export interface DtViewsTable {
  /** uuid. */
  id: Generated<string>;
  table_id: string;
  name: string;
  /** [{ fieldId, operator, value }]. */
  filters: Generated<Json<JsonValue[]>>;
  /** [{ fieldId, direction }]. */
  sorts: Generated<Json<JsonValue[]>>;
  /** uuid[]; NULL shows every field. */
  visible_field_ids: string[] | null;
  is_default: Generated<boolean>;
  created_by: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtView = Selectable<DtViewsTable>;
export type NewDtView = Insertable<DtViewsTable>;
export type DtViewUpdate = Updateable<DtViewsTable>;
