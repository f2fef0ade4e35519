/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import type { Kysely } from 'kysely';

/**
 * The daily summary goes out once per day, even across restarts: the local day (in the notification time
 * zone) it was last sent for is remembered next to its time on the telegram_config singleton.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('telegram_config').addColumn('daily_summary_last_sent_on', 'date').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('telegram_config').dropColumn('daily_summary_last_sent_on').execute();
}
