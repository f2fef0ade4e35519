import type { Insertable, Selectable } from 'kysely';
import type { Generated } from '../column-types';

/** Parent sections (≤ 2,000 words) the chunks were cut from (migration 035); deleted with the document. */
export interface DocumentSectionsTable {
  document_id: string;
  section_index: number;
  heading_path: Generated<string[]>;
  page_start: number | null;
  page_end: number | null;
  content: string;
}

export type DocumentSection = Selectable<DocumentSectionsTable>;
export type NewDocumentSection = Insertable<DocumentSectionsTable>;
