import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric, Json, JsonObject } from '../../column-types';

/** Company branding, PDF settings and defaults for quotes; name unique, at most one default. */
export interface DtQuoteTemplatesTable {
  /** uuid. */
  id: Generated<string>;
  name: string;
  is_default: Generated<boolean>;
  company_name: string;
  company_address: string | null;
  company_email: string | null;
  company_phone: string | null;
  company_website: string | null;
  /** VAT id (USt-IdNr.). */
  tax_id: string | null;
  bank_name: string | null;
  iban: string | null;
  bic: string | null;
  /** Object-store key of the logo. */
  logo_path: string | null;
  primary_color: string | null;
  header_text: string | null;
  footer_text: string | null;
  payment_terms: string | null;
  /** Percent, numeric(5,2); default 19. */
  default_tax_rate: Generated<Numeric>;
  /** ISO 4217, default 'EUR'. */
  currency: Generated<string>;
  /** Default 30. */
  validity_days: Generated<number>;
  /** Default 'AN-'. */
  number_prefix: Generated<string>;
  pdf_settings: Generated<Json<JsonObject>>;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
}

export type DtQuoteTemplate = Selectable<DtQuoteTemplatesTable>;
export type NewDtQuoteTemplate = Insertable<DtQuoteTemplatesTable>;
export type DtQuoteTemplateUpdate = Updateable<DtQuoteTemplatesTable>;
