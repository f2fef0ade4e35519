/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 024: the Telegram bot setup wizard (short-lived sessions) and the rules that route platform
 * events to Telegram messages.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE TYPE telegram_setup_status AS ENUM ('pending', 'token_valid', 'completed', 'expired')`.execute(
    db,
  );
  await sql`
    CREATE TYPE notification_event_source AS ENUM ('claude', 'system', 'n8n', 'services', 'custom')
  `.execute(db);

  await db.schema
    .createTable('telegram_setup_sessions')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('setup_token', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('bot_token_encrypted', 'bytea')
    .addColumn('bot_username', 'varchar(100)')
    .addColumn('chat_id', 'bigint')
    .addColumn('user_id', 'integer', (col) => col.references('admin_users.id').onDelete('cascade'))
    .addColumn('status', sql`telegram_setup_status`, (col) => col.notNull().defaultTo('pending'))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('idx_telegram_setup_sessions_user')
    .on('telegram_setup_sessions')
    .column('user_id')
    .execute();
  await db.schema
    .createIndex('idx_telegram_setup_sessions_expires')
    .on('telegram_setup_sessions')
    .column('expires_at')
    .execute();

  await db.schema
    .createTable('telegram_notification_rules')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('name', 'varchar(100)', (col) => col.notNull())
    .addColumn('event_source', sql`notification_event_source`, (col) => col.notNull())
    // NULL means every event type of the source.
    .addColumn('event_type', 'varchar(100)')
    // NULL means every severity.
    .addColumn('severity_filter', sql`varchar(20)[]`)
    .addColumn('message_template', 'text')
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('idx_telegram_notification_rules_source')
    .on('telegram_notification_rules')
    .columns(['event_source', 'event_type'])
    .where(sql.ref('enabled'), '=', true)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('telegram_notification_rules').execute();
  await db.schema.dropTable('telegram_setup_sessions').execute();
  await sql`DROP TYPE notification_event_source`.execute(db);
  await sql`DROP TYPE telegram_setup_status`.execute(db);
}
