import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, DateOnly, Numeric } from '../../column-types';

export type DtQuoteStatus = 'draft' | 'sent' | 'accepted' | 'rejected' | 'expired' | 'cancelled';

/** A quote (Angebot). Customer details and totals are copies taken when the quote is written. */
export interface DtQuotesTable {
  /** uuid. */
  id: Generated<string>;
  /** Unique. */
  quote_number: string;
  template_id: string | null;
  status: Generated<DtQuoteStatus>;
  customer_name: string;
  customer_company: string | null;
  customer_email: string | null;
  customer_phone: string | null;
  customer_address: string | null;
  title: string | null;
  introduction: string | null;
  closing_text: string | null;
  /** Never printed. */
  internal_notes: string | null;
  /** ISO 4217, default 'EUR'. */
  currency: Generated<string>;
  /** 'YYYY-MM-DD'; default today. */
  quote_date: Generated<DateOnly>;
  /** Not before quote_date (CHECK). */
  valid_until: DateOnly | null;
  /** numeric(12,2). */
  subtotal: Generated<Numeric>;
  discount_amount: Generated<Numeric>;
  tax_amount: Generated<Numeric>;
  total: Generated<Numeric>;
  pdf_path: string | null;
  sent_at: Timestamp | null;
  accepted_at: Timestamp | null;
  rejected_at: Timestamp | null;
  created_by: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtQuote = Selectable<DtQuotesTable>;
export type NewDtQuote = Insertable<DtQuotesTable>;
export type DtQuoteUpdate = Updateable<DtQuotesTable>;
