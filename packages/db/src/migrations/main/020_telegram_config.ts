/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Seed topic 020: the Telegram bot configuration, a singleton row (id = 1). The row is not inserted here:
 * the notifier upserts it (ON CONFLICT (id)) when the bot is first configured, so "no row" means
 * "never configured".
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('telegram_config')
    .addColumn('id', 'integer', (col) => col.primaryKey().defaultTo(1))
    .addColumn('bot_token_encrypted', 'text')
    .addColumn('bot_token_iv', 'text')
    .addColumn('bot_token_tag', 'text')
    .addColumn('chat_id', 'varchar(50)')
    .addColumn('enabled', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('alert_thresholds', 'jsonb', (col) =>
      col.notNull().defaultTo(sql`'{
        "cpu_warning": 80, "cpu_critical": 95,
        "ram_warning": 80, "ram_critical": 95,
        "disk_warning": 80, "disk_critical": 95,
        "gpu_warning": 85, "gpu_critical": 95,
        "temperature_warning": 75, "temperature_critical": 85,
        "notify_on_warning": false, "notify_on_critical": true,
        "notify_on_service_down": true, "notify_on_self_healing": true,
        "cooldown_minutes": 15
      }'::jsonb`),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addCheckConstraint('telegram_config_singleton', sql`id = 1`)
    // An AES-256-GCM token is only decryptable with all three parts; a partial write is a bug.
    .addCheckConstraint(
      'telegram_config_bot_token_parts_check',
      sql`(bot_token_encrypted IS NULL) = (bot_token_iv IS NULL) AND (bot_token_iv IS NULL) = (bot_token_tag IS NULL)`,
    )
    .execute();
  await db.schema
    .createIndex('idx_telegram_config_enabled')
    .on('telegram_config')
    .column('enabled')
    .execute();
  await sql`
    CREATE TRIGGER trigger_telegram_config_updated_at BEFORE UPDATE ON telegram_config
    FOR EACH ROW EXECUTE FUNCTION set_updated_at()
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('telegram_config').execute();
}
