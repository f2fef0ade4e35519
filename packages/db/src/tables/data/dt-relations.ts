import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../../column-types';

export type DtRelationType = 'one_to_one' | 'many_to_one';
export type DtRelationOnDelete = 'set_null' | 'cascade' | 'restrict';

/** A relation between two user-defined tables, carried by a relation-type field of the source table. */
export interface DtRelationsTable {
  /** uuid. */
  id: Generated<string>;
  source_table_id: string;
  /** Unique; must belong to source_table_id (composite FK). */
  source_field_id: string;
  target_table_id: string;
  /** Default 'many_to_one'. */
  relation_type: Generated<DtRelationType>;
  /** What happens to referencing rows when the target row is deleted; default 'set_null'. */
  on_delete: Generated<DtRelationOnDelete>;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtRelation = Selectable<DtRelationsTable>;
export type NewDtRelation = Insertable<DtRelationsTable>;
export type DtRelationUpdate = Updateable<DtRelationsTable>;
