import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Named collections of documents (migration 035); exactly one is the default ("Allgemein"). */
export interface DocumentSpacesTable {
  /** uuid. */
  id: Generated<string>;
  name: string;
  /** Unique, `^[a-z0-9]+(-[a-z0-9]+)*$`. */
  slug: string;
  description: string | null;
  /** `#rrggbb`. */
  color: string | null;
  is_default: Generated<boolean>;
  created_at: Generated<Timestamp>;
  updated_at: Generated<Timestamp>;
}

export type DocumentSpace = Selectable<DocumentSpacesTable>;
export type NewDocumentSpace = Insertable<DocumentSpacesTable>;
export type DocumentSpaceUpdate = Updateable<DocumentSpacesTable>;
