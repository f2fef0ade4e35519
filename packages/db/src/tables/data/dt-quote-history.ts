import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../../column-types';
import type { DtQuoteStatus } from './dt-quotes';

/** Append-only trail of quote status changes. */
export interface DtQuoteHistoryTable {
  /** uuid. */
  id: Generated<string>;
  quote_id: string;
  /** NULL for the creation entry. */
  from_status: DtQuoteStatus | null;
  to_status: DtQuoteStatus;
  changed_by: string | null;
  comment: string | null;
  changed_at: Generated<Timestamp>;
}

export type DtQuoteHistoryEntry = Selectable<DtQuoteHistoryTable>;
export type NewDtQuoteHistoryEntry = Insertable<DtQuoteHistoryTable>;
export type DtQuoteHistoryEntryUpdate = Updateable<DtQuoteHistoryTable>;
