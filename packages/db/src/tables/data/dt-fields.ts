import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json, JsonObject } from '../../column-types';

/** The supported field types (seed 000) and the Postgres column type each becomes in `data_{slug}`. */
export const DT_FIELD_COLUMN_TYPES = {
  text: 'TEXT',
  textarea: 'TEXT',
  number: 'NUMERIC',
  currency: 'NUMERIC(12,2)',
  date: 'DATE',
  datetime: 'TIMESTAMPTZ',
  select: 'TEXT',
  multiselect: 'TEXT[]',
  checkbox: 'BOOLEAN',
  relation: 'UUID',
  email: 'TEXT',
  url: 'TEXT',
  phone: 'TEXT',
} as const;

export type DtFieldType = keyof typeof DT_FIELD_COLUMN_TYPES;

/** A field (column) of a user-defined table; slug and name are unique per table. */
export interface DtFieldsTable {
  /** uuid. */
  id: Generated<string>;
  table_id: string;
  /** Display name. */
  name: string;
  /** Column name in `data_{slug}`; `^[a-z][a-z0-9_]{0,62}$` (CHECK). */
  slug: string;
  field_type: DtFieldType;
  description: string | null;
  is_required: Generated<boolean>;
  is_unique: Generated<boolean>;
  default_value: Json | null;
  /** Type-specific settings (select choices, currency, …). */
  options: Generated<Json<JsonObject>>;
  /** Validation rules (min/max, length, pattern, …). */
  validation: Generated<Json<JsonObject>>;
  /** Display order. */
  position: Generated<number>;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtField = Selectable<DtFieldsTable>;
export type NewDtField = Insertable<DtFieldsTable>;
export type DtFieldUpdate = Updateable<DtFieldsTable>;
