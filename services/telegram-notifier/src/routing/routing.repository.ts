import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, NewNotificationEvent, TelegramNotificationRule } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

export function listEnabledRules(db: Db): Promise<TelegramNotificationRule[]> {
  return db
    .selectFrom('telegram_notification_rules')
    .selectAll()
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
}

export async function listEnabledChatIds(db: Db): Promise<string[]> {
  const rows = await db
    .selectFrom('telegram_chats')
    .select('chat_id')
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.chat_id);
}

export async function listEnabledWebhookIds(db: Db): Promise<number[]> {
  const rows = await db
    .selectFrom('notification_webhooks')
    .select('id')
    .where('enabled', '=', true)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Claims the cooldown of (key, destination): true when the last message is older than `seconds` (and the
 * new one is recorded), false while it is cooling down. One upsert, so two racing events send once.
 */
export async function claimCooldown(
  db: Db,
  key: string,
  destination: string,
  seconds: number,
): Promise<{ claimed: boolean; remainingSeconds: number }> {
  const { rows } = await sql<{ claimed: boolean }>`
    INSERT INTO telegram_alert_cooldowns (alert_type, chat_id, last_alert_at, alert_count)
    VALUES (${key}, ${destination}, now(), 1)
    ON CONFLICT (alert_type, chat_id) DO UPDATE
      SET last_alert_at = EXCLUDED.last_alert_at, alert_count = telegram_alert_cooldowns.alert_count + 1
      WHERE telegram_alert_cooldowns.last_alert_at <= EXCLUDED.last_alert_at - make_interval(secs => ${seconds})
    RETURNING true AS claimed
  `.execute(db);
  if (rows.length > 0) return { claimed: true, remainingSeconds: seconds };
  const left = await sql<{ remaining: number }>`
    SELECT ceil(extract(epoch FROM last_alert_at + make_interval(secs => ${seconds}) - now()))::int AS remaining
      FROM telegram_alert_cooldowns WHERE alert_type = ${key} AND chat_id = ${destination}
  `.execute(db);
  return { claimed: false, remainingSeconds: left.rows[0]?.remaining ?? 0 };
}

/** Serialises routing decisions per group key until the transaction ends. */
export async function lockGroup(db: Db, groupKey: string): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(hashtext('notifier-group'), hashtext(${groupKey}))`.execute(db);
}

/** The leader of a still-open group: the first message of `groupKey` within the last `windowSeconds`. */
export function findOpenGroupLeader(
  db: Db,
  groupKey: string,
  windowSeconds: number,
): Promise<{ id: number; created_at: Date } | undefined> {
  return db
    .selectFrom('notification_events')
    .select(['id', 'created_at'])
    .where('group_key', '=', groupKey)
    .where('group_leader_id', 'is', null)
    .where('status', 'in', ['pending', 'sent'])
    .where('created_at', '>', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .orderBy('created_at', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The latest message of `type` about `subject` per destination in the last day (a fired alert to answer). */
export function findAnsweredMessages(
  db: Db,
  type: string,
  subject: string,
): Promise<{ id: number; destination: string | null }[]> {
  return db
    .selectFrom('notification_events')
    .select(['id', 'destination'])
    .distinctOn('destination')
    .where('event_type', '=', type)
    .where('subject', '=', subject)
    .where('status', 'in', ['pending', 'sent'])
    .where('group_leader_id', 'is', null)
    .where('created_at', '>', sql<Date>`now() - interval '1 day'`)
    .orderBy('destination')
    .orderBy('created_at', 'desc')
    .execute();
}

/** Inserts the outbox row unless this envelope already produced one for the destination. */
export async function insertOutboxRow(db: Db, row: NewNotificationEvent): Promise<number | null> {
  const inserted = await db
    .insertInto('notification_events')
    .values(row)
    .onConflict((oc) =>
      oc.columns(['envelope_id', 'destination']).where('envelope_id', 'is not', null).doNothing(),
    )
    .returning('id')
    .executeTakeFirst();
  return inserted?.id ?? null;
}

export async function nowPlusSeconds(db: Db, seconds: number): Promise<Date> {
  const { rows } = await sql<{ at: Date }>`SELECT now() + make_interval(secs => ${seconds}) AS at`.execute(
    db,
  );
  return rows[0]?.at ?? new Date(Date.now() + seconds * 1000);
}
