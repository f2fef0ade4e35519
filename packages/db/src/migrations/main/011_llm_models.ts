/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 011: the model catalog, the models present in Ollama, and a log of model switches.
 * llm_installed_models has no FK to the catalog: a model pulled by hand is installed without being listed.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('llm_model_catalog')
    .addColumn('id', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('name', 'varchar(255)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('size_bytes', 'bigint')
    .addColumn('ram_required_gb', 'integer')
    .addColumn('category', 'varchar(50)')
    .addColumn('capabilities', 'jsonb', (col) => col.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('jetson_tested', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('performance_tier', 'integer')
    .addCheckConstraint(
      'llm_model_catalog_category_check',
      sql`category IN ('small', 'medium', 'large', 'xlarge')`,
    )
    .addCheckConstraint('llm_model_catalog_performance_tier_check', sql`performance_tier BETWEEN 1 AND 3`)
    .execute();

  await db.schema
    .createTable('llm_installed_models')
    .addColumn('id', 'varchar(100)', (col) => col.primaryKey())
    .addColumn('status', 'varchar(20)', (col) => col.notNull().defaultTo('downloading'))
    .addColumn('download_progress', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('downloaded_at', 'timestamptz')
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('usage_count', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('is_default', 'boolean', (col) => col.notNull().defaultTo(false))
    .addCheckConstraint(
      'llm_installed_models_status_check',
      sql`status IN ('downloading', 'available', 'error')`,
    )
    .addCheckConstraint(
      'llm_installed_models_download_progress_check',
      sql`download_progress BETWEEN 0 AND 100`,
    )
    .execute();
  // At most one default model, enforced by the database rather than by every writer.
  await db.schema
    .createIndex('idx_llm_installed_models_single_default')
    .on('llm_installed_models')
    .column('is_default')
    .unique()
    .where(sql.ref('is_default'), '=', true)
    .execute();

  await db.schema
    .createTable('llm_model_switches')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('from_model', 'varchar(100)')
    .addColumn('to_model', 'varchar(100)', (col) => col.notNull())
    .addColumn('switch_duration_ms', 'integer')
    .addColumn('triggered_by', 'varchar(50)', (col) => col.notNull())
    .addColumn('switched_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint(
      'llm_model_switches_triggered_by_check',
      sql`triggered_by IN ('user', 'queue', 'workflow', 'auto')`,
    )
    .execute();
  await db.schema
    .createIndex('idx_llm_model_switches_switched')
    .on('llm_model_switches')
    .column('switched_at desc')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('llm_model_switches').execute();
  await db.schema.dropTable('llm_installed_models').execute();
  await db.schema.dropTable('llm_model_catalog').execute();
}
