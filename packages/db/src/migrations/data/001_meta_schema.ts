/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * arasul_data_db 001: the meta tables of Datentabellen (user-defined tables), modelled on n8n's data-table
 * module: a table definition, its ordered, typed fields, relations between tables, and saved views.
 * The user data itself lives in `data_{slug}` tables that the datentabellen service creates at runtime.
 *
 * Slugs become SQL identifiers, so the database itself rejects anything but `^[a-z][a-z0-9_]{0,62}$`.
 * A table slug is further limited to 58 characters because "data_" + slug must fit Postgres' 63-byte
 * identifier limit (longer names would be silently truncated, and two tables could collide).
 */

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    CREATE FUNCTION set_updated_at() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
      NEW.updated_at := now();
      RETURN NEW;
    END
    $$
  `.execute(db);

  await db.schema
    .createTable('dt_tables')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('slug', 'varchar(63)', (col) => col.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('icon', 'varchar(50)')
    .addColumn('color', 'varchar(20)')
    .addColumn('created_by', 'varchar(100)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'dt_tables_slug_check',
      sql`slug ~ '^[a-z][a-z0-9_]{0,62}$' AND char_length(slug) <= 58`,
    )
    .execute();
  await sql`
    CREATE TRIGGER trigger_dt_tables_updated_at BEFORE UPDATE ON dt_tables
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // UNIQUE (id, table_id) exists only as the target of dt_relations' composite FK, which guarantees that
  // a relation's field belongs to the relation's source table.
  await db.schema
    .createTable('dt_fields')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('table_id', 'uuid', (col) => col.notNull().references('dt_tables.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('slug', 'varchar(63)', (col) => col.notNull())
    .addColumn('field_type', 'varchar(20)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('is_required', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('is_unique', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('default_value', 'jsonb')
    // Type-specific settings: select choices, currency code, number precision, …
    .addColumn('options', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    // Validation rules: min/max, length, pattern, …
    .addColumn('validation', 'jsonb', (col) => col.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('position', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('dt_fields_slug_check', sql`slug ~ '^[a-z][a-z0-9_]{0,62}$'`)
    .addCheckConstraint(
      'dt_fields_field_type_check',
      sql`field_type IN (
        'text', 'textarea', 'number', 'currency', 'date', 'datetime', 'select',
        'multiselect', 'checkbox', 'relation', 'email', 'url', 'phone'
      )`,
    )
    .addUniqueConstraint('dt_fields_table_slug_key', ['table_id', 'slug'])
    .addUniqueConstraint('dt_fields_table_name_key', ['table_id', 'name'])
    .addUniqueConstraint('dt_fields_id_table_key', ['id', 'table_id'])
    .execute();
  await db.schema
    .createIndex('idx_dt_fields_table_position')
    .on('dt_fields')
    .columns(['table_id', 'position'])
    .execute();
  await sql`
    CREATE TRIGGER trigger_dt_fields_updated_at BEFORE UPDATE ON dt_fields
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // One relation per relation-type field. The other direction (one-to-many) is the same row read backwards.
  await db.schema
    .createTable('dt_relations')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('source_table_id', 'uuid', (col) =>
      col.notNull().references('dt_tables.id').onDelete('cascade'),
    )
    .addColumn('source_field_id', 'uuid', (col) => col.notNull().unique())
    .addColumn('target_table_id', 'uuid', (col) =>
      col.notNull().references('dt_tables.id').onDelete('cascade'),
    )
    .addColumn('relation_type', 'varchar(20)', (col) => col.notNull().defaultTo('many_to_one'))
    // What happens to referencing rows when the target row is deleted.
    .addColumn('on_delete', 'varchar(20)', (col) => col.notNull().defaultTo('set_null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addForeignKeyConstraint(
      'dt_relations_source_field_fkey',
      ['source_field_id', 'source_table_id'],
      'dt_fields',
      ['id', 'table_id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addCheckConstraint(
      'dt_relations_relation_type_check',
      sql`relation_type IN ('one_to_one', 'many_to_one')`,
    )
    .addCheckConstraint('dt_relations_on_delete_check', sql`on_delete IN ('set_null', 'cascade', 'restrict')`)
    .execute();
  await db.schema
    .createIndex('idx_dt_relations_source_table')
    .on('dt_relations')
    .column('source_table_id')
    .execute();
  await db.schema
    .createIndex('idx_dt_relations_target_table')
    .on('dt_relations')
    .column('target_table_id')
    .execute();
  await sql`
    CREATE TRIGGER trigger_dt_relations_updated_at BEFORE UPDATE ON dt_relations
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  await db.schema
    .createTable('dt_views')
    .addColumn('id', 'uuid', (col) => col.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('table_id', 'uuid', (col) => col.notNull().references('dt_tables.id').onDelete('cascade'))
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    // [{ fieldId, operator, value }]
    .addColumn('filters', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    // [{ fieldId, direction }]
    .addColumn('sorts', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    // NULL means every field, in field order.
    .addColumn('visible_field_ids', sql`uuid[]`)
    .addColumn('is_default', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('created_by', 'varchar(100)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('dt_views_table_name_key', ['table_id', 'name'])
    .execute();
  await db.schema
    .createIndex('idx_dt_views_single_default')
    .on('dt_views')
    .column('table_id')
    .unique()
    .where(sql.ref('is_default'), '=', true)
    .execute();
  await sql`
    CREATE TRIGGER trigger_dt_views_updated_at BEFORE UPDATE ON dt_views
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('dt_views').execute();
  await db.schema.dropTable('dt_relations').execute();
  await db.schema.dropTable('dt_fields').execute();
  await db.schema.dropTable('dt_tables').execute();
  await sql`DROP FUNCTION set_updated_at()`.execute(db);
}
