/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * arasul_data_db 002: quotes (Angebote). A template carries the company branding and defaults; a quote
 * copies the customer's details and its totals at the time it is written, so a sent quote and its PDF
 * never change when a template or a customer record changes later. Money is numeric(12,2), rates are
 * percentages numeric(5,2). The status history is written by the service together with the status change.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('dt_quote_templates')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'varchar(100)', (col) => col.notNull().unique())
    .addColumn('is_default', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('company_name', 'varchar(255)', (col) => col.notNull())
    .addColumn('company_address', 'text')
    .addColumn('company_email', 'varchar(255)')
    .addColumn('company_phone', 'varchar(50)')
    .addColumn('company_website', 'varchar(255)')
    .addColumn('tax_id', 'varchar(50)')
    .addColumn('bank_name', 'varchar(100)')
    .addColumn('iban', 'varchar(34)')
    .addColumn('bic', 'varchar(11)')
    .addColumn('logo_path', 'varchar(500)')
    .addColumn('primary_color', 'varchar(20)')
    .addColumn('header_text', 'text')
    .addColumn('footer_text', 'text')
    .addColumn('payment_terms', 'text')
    // 19 %: the German standard VAT rate, the market the appliance is sold in.
    .addColumn('default_tax_rate', 'numeric(5, 2)', (col) => col.notNull().defaultTo(19))
    .addColumn('currency', 'char(3)', (col) => col.notNull().defaultTo('EUR'))
    .addColumn('validity_days', 'integer', (col) => col.notNull().defaultTo(30))
    .addColumn('number_prefix', 'varchar(20)', (col) => col.notNull().defaultTo('AN-'))
    // Paper size, margins, fonts: whatever the PDF renderer reads.
    .addColumn('pdf_settings', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('dt_quote_templates_tax_rate_check', sql`default_tax_rate BETWEEN 0 AND 100`)
    .addCheckConstraint('dt_quote_templates_currency_check', sql`currency ~ '^[A-Z]{3}$'`)
    .addCheckConstraint('dt_quote_templates_validity_days_check', sql`validity_days > 0`)
    .execute();
  await db.schema
    .createIndex('idx_dt_quote_templates_single_default')
    .on('dt_quote_templates')
    .column('is_default')
    .unique()
    .where(sql.ref('is_default'), '=', true)
    .execute();
  await sql`
    CREATE TRIGGER trigger_dt_quote_templates_updated_at BEFORE UPDATE ON dt_quote_templates
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  await db.schema
    .createTable('dt_quotes')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('quote_number', 'varchar(50)', (col) => col.notNull().unique())
    .addColumn('template_id', 'uuid', (col) => col.references('dt_quote_templates.id').onDelete('set null'))
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('draft'))
    .addColumn('customer_name', 'varchar(255)', (col) => col.notNull())
    .addColumn('customer_company', 'varchar(255)')
    .addColumn('customer_email', 'varchar(255)')
    .addColumn('customer_phone', 'varchar(50)')
    .addColumn('customer_address', 'text')
    .addColumn('title', 'varchar(255)')
    .addColumn('introduction', 'text')
    .addColumn('closing_text', 'text')
    .addColumn('internal_notes', 'text')
    .addColumn('currency', 'char(3)', (col) => col.notNull().defaultTo('EUR'))
    .addColumn('quote_date', 'date', (col) => col.notNull().defaultTo(sql`current_date`))
    .addColumn('valid_until', 'date')
    .addColumn('subtotal', 'numeric(12, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('discount_amount', 'numeric(12, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('tax_amount', 'numeric(12, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('total', 'numeric(12, 2)', (col) => col.notNull().defaultTo(0))
    .addColumn('pdf_path', 'varchar(500)')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('accepted_at', 'timestamptz')
    .addColumn('rejected_at', 'timestamptz')
    .addColumn('created_by', 'varchar(100)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'dt_quotes_status_check',
      sql`status IN ('draft', 'sent', 'accepted', 'rejected', 'expired', 'cancelled')`,
    )
    .addCheckConstraint('dt_quotes_currency_check', sql`currency ~ '^[A-Z]{3}$'`)
    .addCheckConstraint('dt_quotes_valid_until_check', sql`valid_until >= quote_date`)
    .addCheckConstraint('dt_quotes_discount_check', sql`discount_amount >= 0`)
    .execute();
  await db.schema
    .createIndex('idx_dt_quotes_status')
    .on('dt_quotes')
    .columns(['status', 'created_at desc'])
    .execute();
  await db.schema.createIndex('idx_dt_quotes_created').on('dt_quotes').column('created_at desc').execute();
  await db.schema.createIndex('idx_dt_quotes_template').on('dt_quotes').column('template_id').execute();
  await sql`CREATE INDEX idx_dt_quotes_customer_name ON dt_quotes (lower(customer_name))`.execute(db);
  await sql`
    CREATE TRIGGER trigger_dt_quotes_updated_at BEFORE UPDATE ON dt_quotes
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // position is the 1-based line number. Its uniqueness is checked at commit so lines can be reordered
  // in one transaction. line_total is computed by the database so it can never disagree with its inputs.
  await db.schema
    .createTable('dt_quote_positions')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('quote_id', 'uuid', (col) => col.notNull().references('dt_quotes.id').onDelete('cascade'))
    .addColumn('position', 'integer', (col) => col.notNull())
    .addColumn('name', 'varchar(255)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('quantity', 'numeric(12, 3)', (col) => col.notNull().defaultTo(1))
    .addColumn('unit', 'varchar(20)')
    // May be negative: a credit or discount line.
    .addColumn('unit_price', 'numeric(12, 2)', (col) => col.notNull())
    .addColumn('discount_percent', 'numeric(5, 2)', (col) => col.notNull().defaultTo(0))
    // No default: the rate comes from the template or the user, never from a silent fallback.
    .addColumn('tax_rate', 'numeric(5, 2)', (col) => col.notNull())
    .addColumn('line_total', 'numeric(12, 2)', (col) =>
      col.generatedAlwaysAs(sql`round(quantity * unit_price * (1 - discount_percent / 100), 2)`).stored(),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('dt_quote_positions_quote_position_key', ['quote_id', 'position'], (constraint) =>
      constraint.deferrable().initiallyDeferred(),
    )
    .addCheckConstraint('dt_quote_positions_position_check', sql`position >= 1`)
    .addCheckConstraint('dt_quote_positions_quantity_check', sql`quantity >= 0`)
    .addCheckConstraint('dt_quote_positions_discount_check', sql`discount_percent BETWEEN 0 AND 100`)
    .addCheckConstraint('dt_quote_positions_tax_rate_check', sql`tax_rate BETWEEN 0 AND 100`)
    .execute();
  await sql`
    CREATE TRIGGER trigger_dt_quote_positions_updated_at BEFORE UPDATE ON dt_quote_positions
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // Append-only. from_status is NULL for the row that records the quote's creation.
  await db.schema
    .createTable('dt_quote_history')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('quote_id', 'uuid', (col) => col.notNull().references('dt_quotes.id').onDelete('cascade'))
    .addColumn('from_status', 'varchar(20)')
    .addColumn('to_status', 'varchar(20)', (col) => col.notNull())
    .addColumn('changed_by', 'varchar(100)')
    .addColumn('comment', 'text')
    .addColumn('changed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'dt_quote_history_status_check',
      sql`to_status IN ('draft', 'sent', 'accepted', 'rejected', 'expired', 'cancelled')
          AND (from_status IS NULL
               OR from_status IN ('draft', 'sent', 'accepted', 'rejected', 'expired', 'cancelled'))`,
    )
    .execute();
  await db.schema
    .createIndex('idx_dt_quote_history_quote')
    .on('dt_quote_history')
    .columns(['quote_id', 'changed_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dt_quote_history').execute();
  await db.schema.dropTable('dt_quote_positions').execute();
  await db.schema.dropTable('dt_quotes').execute();
  await db.schema.dropTable('dt_quote_templates').execute();
}
