import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../../column-types';

/** A user-defined table; its rows live in `data_{slug}`. */
export interface DtTablesTable {
  /** uuid. */
  id: Generated<string>;
  /** Display name. */
  name: string;
  /** Unique; `^[a-z][a-z0-9_]*$`, at most 58 characters (CHECK). */
  slug: string;
  description: string | null;
  icon: string | null;
  color: string | null;
  /** Username. */
  created_by: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtTable = Selectable<DtTablesTable>;
export type NewDtTable = Insertable<DtTablesTable>;
export type DtTableUpdate = Updateable<DtTablesTable>;
