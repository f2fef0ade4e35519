/** What the arasul_data_db schema (Datentabellen meta tables and quotes) guarantees on its own. */
import { type Kysely, sql } from 'kysely';
import type { DataDatabase } from '../src/data-database';
import { migrateToLatest } from '../src/migrator';
import { DT_FIELD_COLUMN_TYPES, type DtFieldType } from '../src/tables/data/dt-fields';
import { createScratchDatabase, pgErrorCode, type ScratchDatabase } from './helpers/scratch-database';

const CHECK_VIOLATION = '23514';
const UNIQUE_VIOLATION = '23505';
const FOREIGN_KEY_VIOLATION = '23503';

let scratch: ScratchDatabase<DataDatabase>;
let db: Kysely<DataDatabase>;

beforeAll(async () => {
  scratch = await createScratchDatabase<DataDatabase>('behaviour_data');
  db = scratch.db;
  await migrateToLatest(db, 'data');
});
afterAll(async () => {
  await scratch.drop();
});

async function createTable(slug: string): Promise<string> {
  const { id } = await db
    .insertInto('dt_tables')
    .values({ name: slug, slug })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

async function createField(tableId: string, slug: string, fieldType: DtFieldType = 'text'): Promise<string> {
  const { id } = await db
    .insertInto('dt_fields')
    .values({ table_id: tableId, name: slug, slug, field_type: fieldType })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
}

describe('dt_tables and dt_fields', () => {
  it('accept only slugs that are safe SQL identifiers and fit "data_" + slug into 63 bytes', async () => {
    for (const bad of ['Kunden', 'bad-name;drop', '1st', '_hidden', 'a'.repeat(59)]) {
      expect({ slug: bad, code: await pgErrorCode(createTable(bad)) }).toEqual({
        slug: bad,
        code: CHECK_VIOLATION,
      });
    }
    await createTable('a'.repeat(58));
    await createTable('kunden_2024');
    expect(await pgErrorCode(createTable('kunden_2024'))).toBe(UNIQUE_VIOLATION);
  });

  it('accept exactly the supported field types', async () => {
    const { rows } = await sql<{ definition: string }>`
      SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint
       WHERE conname = 'dt_fields_field_type_check'`.execute(db);
    const allowedByDatabase = [...(rows[0]?.definition ?? '').matchAll(/'([a-z]+)'/g)].map(
      (match) => match[1],
    );
    expect(allowedByDatabase.sort()).toEqual(Object.keys(DT_FIELD_COLUMN_TYPES).sort());

    const tableId = await createTable('all_types');
    for (const fieldType of Object.keys(DT_FIELD_COLUMN_TYPES) as DtFieldType[]) {
      await createField(tableId, `f_${fieldType}`, fieldType);
    }
    expect(
      await pgErrorCode(
        sql`INSERT INTO dt_fields (table_id, name, slug, field_type) VALUES (${tableId}, 'j', 'j', 'json')`.execute(
          db,
        ),
      ),
    ).toBe(CHECK_VIOLATION);
    expect(await pgErrorCode(createField(tableId, 'f_text'))).toBe(UNIQUE_VIOLATION);
    expect(await pgErrorCode(createField(tableId, 'Bad Column'))).toBe(CHECK_VIOLATION);
  });

  it('tie a relation to a field of its source table, and clean up with the table', async () => {
    const customers = await createTable('customers');
    const orders = await createTable('orders');
    const customerField = await createField(orders, 'customer', 'relation');
    const foreignField = await createField(customers, 'name');

    expect(
      await pgErrorCode(
        db
          .insertInto('dt_relations')
          .values({ source_table_id: orders, source_field_id: foreignField, target_table_id: customers })
          .execute(),
      ),
    ).toBe(FOREIGN_KEY_VIOLATION);
    await db
      .insertInto('dt_relations')
      .values({ source_table_id: orders, source_field_id: customerField, target_table_id: customers })
      .execute();
    await db.insertInto('dt_views').values({ table_id: customers, name: 'All', is_default: true }).execute();
    expect(
      await pgErrorCode(
        db.insertInto('dt_views').values({ table_id: customers, name: 'Second', is_default: true }).execute(),
      ),
    ).toBe(UNIQUE_VIOLATION);

    await db.deleteFrom('dt_tables').where('id', '=', customers).execute();

    expect(await db.selectFrom('dt_relations').selectAll().execute()).toEqual([]);
    expect(await db.selectFrom('dt_views').where('table_id', '=', customers).selectAll().execute()).toEqual(
      [],
    );
    expect(await db.selectFrom('dt_fields').select('slug').where('table_id', '=', orders).execute()).toEqual([
      { slug: 'customer' },
    ]);
  });
});

describe('quotes', () => {
  async function createQuote(quoteNumber: string): Promise<string> {
    const { id } = await db
      .insertInto('dt_quotes')
      .values({ quote_number: quoteNumber, customer_name: 'Muster GmbH' })
      .returning('id')
      .executeTakeFirstOrThrow();
    return id;
  }

  it('have unique numbers, today as default date (a plain date string) and a valid_until not before it', async () => {
    const id = await createQuote('AN-2024-0001');
    expect(await pgErrorCode(createQuote('AN-2024-0001'))).toBe(UNIQUE_VIOLATION);

    const quote = await db
      .selectFrom('dt_quotes')
      .select(['quote_date', 'status', 'currency', 'total'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    const { rows } = await sql<{ today: string }>`SELECT current_date AS today`.execute(db);
    expect(quote).toEqual({ quote_date: rows[0]!.today, status: 'draft', currency: 'EUR', total: '0.00' });
    expect(quote.quote_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    expect(
      await pgErrorCode(
        db.updateTable('dt_quotes').set({ valid_until: '2000-01-01' }).where('id', '=', id).execute(),
      ),
    ).toBe(CHECK_VIOLATION);
  });

  it('compute each line total in the database', async () => {
    const quoteId = await createQuote('AN-2024-0002');
    await db
      .insertInto('dt_quote_positions')
      .values([
        {
          quote_id: quoteId,
          position: 1,
          name: 'Beratung',
          quantity: '2.5',
          unit_price: '100.00',
          tax_rate: 19,
        },
        {
          quote_id: quoteId,
          position: 2,
          name: 'Lizenz',
          quantity: 3,
          unit_price: '33.33',
          discount_percent: 10,
          tax_rate: 19,
        },
      ])
      .execute();

    const lines = await db
      .selectFrom('dt_quote_positions')
      .select(['position', 'line_total'])
      .where('quote_id', '=', quoteId)
      .orderBy('position')
      .execute();
    expect(lines).toEqual([
      { position: 1, line_total: '250.00' },
      { position: 2, line_total: '89.99' },
    ]);
  });

  it('let positions be reordered within a transaction, but not end up duplicated', async () => {
    const quoteId = await createQuote('AN-2024-0003');
    const [a, b] = await db
      .insertInto('dt_quote_positions')
      .values([
        { quote_id: quoteId, position: 1, name: 'A', unit_price: 1, tax_rate: 19 },
        { quote_id: quoteId, position: 2, name: 'B', unit_price: 1, tax_rate: 19 },
      ])
      .returning('id')
      .execute();

    await db.transaction().execute(async (trx) => {
      await trx.updateTable('dt_quote_positions').set({ position: 2 }).where('id', '=', a!.id).execute();
      await trx.updateTable('dt_quote_positions').set({ position: 1 }).where('id', '=', b!.id).execute();
    });
    const order = await db
      .selectFrom('dt_quote_positions')
      .select('name')
      .where('quote_id', '=', quoteId)
      .orderBy('position')
      .execute();
    expect(order.map((row) => row.name)).toEqual(['B', 'A']);

    expect(
      await pgErrorCode(
        db.updateTable('dt_quote_positions').set({ position: 1 }).where('id', '=', a!.id).execute(),
      ),
    ).toBe(UNIQUE_VIOLATION);
  });

  it('keep a status history that only knows the quote states and goes with the quote', async () => {
    const quoteId = await createQuote('AN-2024-0004');
    await db
      .insertInto('dt_quote_history')
      .values([
        { quote_id: quoteId, from_status: null, to_status: 'draft' },
        { quote_id: quoteId, from_status: 'draft', to_status: 'sent', changed_by: 'admin' },
      ])
      .execute();
    expect(
      await pgErrorCode(
        sql`INSERT INTO dt_quote_history (quote_id, to_status) VALUES (${quoteId}, 'archived')`.execute(db),
      ),
    ).toBe(CHECK_VIOLATION);

    await db.deleteFrom('dt_quotes').where('id', '=', quoteId).execute();

    expect(
      await db.selectFrom('dt_quote_history').where('quote_id', '=', quoteId).selectAll().execute(),
    ).toEqual([]);
  });
});
