import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, NotificationSettingUpdate, NotificationSetting } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

/** The system-wide Telegram settings row is (user_id NULL, channel 'telegram'); absent until first saved. */
export function findSystemSettings(db: Db): Promise<NotificationSetting | undefined> {
  return db
    .selectFrom('notification_settings')
    .selectAll()
    .where('user_id', 'is', null)
    .where('channel', '=', 'telegram')
    .executeTakeFirst();
}

export async function upsertSystemSettings(db: Db, values: NotificationSettingUpdate): Promise<void> {
  await db
    .insertInto('notification_settings')
    .values({ user_id: null, channel: 'telegram', ...values })
    .onConflict((oc) => oc.constraint('notification_settings_user_channel_key').doUpdateSet(values))
    .execute();
}

export async function findDailySummaryTime(db: Db): Promise<string | null> {
  const row = await db
    .selectFrom('telegram_config')
    .select('daily_summary_time')
    .where('id', '=', 1)
    .executeTakeFirst();
  return row?.daily_summary_time ?? null;
}

export async function setDailySummaryTime(db: Db, time: string | null): Promise<void> {
  await db
    .insertInto('telegram_config')
    .values({ id: 1, daily_summary_time: time })
    .onConflict((oc) => oc.column('id').doUpdateSet({ daily_summary_time: time }))
    .execute();
}

export async function nowFromDb(db: Db): Promise<Date> {
  const { rows } = await sql<{ now: Date }>`SELECT now() AS now`.execute(db);
  return rows[0]?.now ?? new Date();
}
