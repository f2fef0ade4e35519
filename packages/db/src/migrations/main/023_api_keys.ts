/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 023: API keys for external clients (n8n, scripts) and their usage log.
 * A key keeps working when the admin who created it is deleted (SET NULL); its usage rows go with it.
 * key_prefix is indexed, not unique: the auth service compares the hash of every candidate with that prefix.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('key_hash', 'varchar(128)', (col) => col.notNull())
    .addColumn('key_prefix', 'varchar(8)', (col) => col.notNull())
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('description', 'text')
    .addColumn('created_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('expires_at', 'timestamptz')
    .addColumn('is_active', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('rate_limit_per_minute', 'integer', (col) => col.notNull().defaultTo(60))
    // NULL means every endpoint.
    .addColumn('allowed_endpoints', sql`text[]`)
    .addCheckConstraint('api_keys_rate_limit_check', sql`rate_limit_per_minute > 0`)
    .execute();
  await db.schema.createIndex('idx_api_keys_prefix').on('api_keys').column('key_prefix').execute();
  await db.schema.createIndex('idx_api_keys_created_by').on('api_keys').column('created_by').execute();

  await db.schema
    .createTable('api_key_usage')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('api_key_id', 'integer', (col) => col.notNull().references('api_keys.id').onDelete('cascade'))
    .addColumn('endpoint', 'varchar(255)', (col) => col.notNull())
    .addColumn('method', 'varchar(10)', (col) => col.notNull())
    .addColumn('status_code', 'integer', (col) => col.notNull())
    .addColumn('response_time_ms', 'integer')
    .addColumn('request_ip', 'varchar(45)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('idx_api_key_usage_key_created')
    .on('api_key_usage')
    .columns(['api_key_id', 'created_at desc'])
    .execute();
  await db.schema.createIndex('idx_api_key_usage_created').on('api_key_usage').column('created_at').execute();

  // The seed gives no retention for key usage; it grows with every API call, so it gets the same 90 days
  // as the API audit log it mirrors.
  await sql`
    CREATE FUNCTION cleanup_old_api_key_usage(retention_days integer DEFAULT 90) RETURNS integer
    LANGUAGE plpgsql AS $$
    DECLARE
      removed integer;
    BEGIN
      IF retention_days IS NULL OR retention_days < 1 THEN
        RAISE EXCEPTION 'retention_days must be at least 1, got %', retention_days;
      END IF;
      DELETE FROM api_key_usage WHERE created_at < now() - make_interval(days => retention_days);
      GET DIAGNOSTICS removed = ROW_COUNT;
      RETURN removed;
    END
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP FUNCTION cleanup_old_api_key_usage(integer)`.execute(db);
  await db.schema.dropTable('api_key_usage').execute();
  await db.schema.dropTable('api_keys').execute();
}
