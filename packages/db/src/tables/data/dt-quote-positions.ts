import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, GeneratedAlways, Timestamp, Numeric } from '../../column-types';

/** A line item of a quote; (quote_id, position) is unique, checked at commit. */
export interface DtQuotePositionsTable {
  /** uuid. */
  id: Generated<string>;
  quote_id: string;
  /** 1-based line number. */
  position: number;
  name: string;
  description: string | null;
  /** numeric(12,3); default 1. */
  quantity: Generated<Numeric>;
  unit: string | null;
  /** numeric(12,2); negative for a credit line. */
  unit_price: Numeric;
  /** numeric(5,2); default 0. */
  discount_percent: Generated<Numeric>;
  /** Percent, numeric(5,2). */
  tax_rate: Numeric;
  /** round(quantity × unit_price × (1 − discount/100), 2), computed by the database. */
  line_total: GeneratedAlways<string>;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtQuotePosition = Selectable<DtQuotePositionsTable>;
export type NewDtQuotePosition = Insertable<DtQuotePositionsTable>;
export type DtQuotePositionUpdate = Updateable<DtQuotePositionsTable>;
