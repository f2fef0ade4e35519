/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 002: authentication. Also creates `set_updated_at()`, the one trigger function every later
 * table with an `updated_at` column uses, because admin_users is the first such table.
 *
 * No default admin row is inserted: a well-known initial password would be a hole on every appliance.
 * The first admin is created by the operator (`scripts/arasul reset-password`).
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
    .createTable('admin_users')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('username', 'varchar(50)', (col) => col.notNull().unique())
    .addColumn('password_hash', 'varchar(255)', (col) => col.notNull())
    .addColumn('email', 'varchar(255)')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('last_login', 'timestamptz')
    .addColumn('login_attempts', 'integer', (col) => col.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('is_active', 'boolean', (col) => col.notNull().defaultTo(true))
    .execute();
  // 'Admin' and 'admin' must not be two accounts: a look-alike name is an impersonation risk.
  await sql`CREATE UNIQUE INDEX idx_admin_users_username_lower ON admin_users (lower(username))`.execute(db);
  await sql`
    CREATE TRIGGER trigger_admin_users_updated_at BEFORE UPDATE ON admin_users
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);

  // A revoked token must stay revoked even if its user is deleted, hence SET NULL rather than CASCADE.
  await db.schema
    .createTable('token_blacklist')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('token_jti', 'varchar(255)', (col) => col.notNull().unique())
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('blacklisted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('idx_token_blacklist_user_id')
    .on('token_blacklist')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('idx_token_blacklist_expires_at')
    .on('token_blacklist')
    .column('expires_at')
    .execute();

  // Kept even for unknown usernames (no FK): brute-force detection needs the failed attempts.
  await db.schema
    .createTable('login_attempts')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('username', 'varchar(50)', (col) => col.notNull())
    .addColumn('ip_address', sql`inet`)
    .addColumn('success', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('attempted_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema
    .createIndex('idx_login_attempts_username_attempted')
    .on('login_attempts')
    .columns(['username', 'attempted_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_login_attempts_ip_attempted')
    .on('login_attempts')
    .columns(['ip_address', 'attempted_at desc'])
    .execute();

  await db.schema
    .createTable('active_sessions')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.notNull().references('admin_users.id').onDelete('cascade'))
    .addColumn('token_jti', 'varchar(255)', (col) => col.notNull().unique())
    .addColumn('ip_address', sql`inet`)
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .addColumn('last_activity', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('idx_active_sessions_user_id')
    .on('active_sessions')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('idx_active_sessions_expires_at')
    .on('active_sessions')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('password_history')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('user_id', 'integer', (col) => col.notNull().references('admin_users.id').onDelete('cascade'))
    .addColumn('password_hash', 'varchar(255)', (col) => col.notNull())
    .addColumn('changed_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('changed_by', 'varchar(50)')
    .addColumn('ip_address', sql`inet`)
    .execute();
  await db.schema
    .createIndex('idx_password_history_user_changed')
    .on('password_history')
    .columns(['user_id', 'changed_at desc'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('password_history').execute();
  await db.schema.dropTable('active_sessions').execute();
  await db.schema.dropTable('login_attempts').execute();
  await db.schema.dropTable('token_blacklist').execute();
  await db.schema.dropTable('admin_users').execute();
  await sql`DROP FUNCTION set_updated_at()`.execute(db);
}
