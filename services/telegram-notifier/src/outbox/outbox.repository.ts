import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, NotificationEvent, NotificationSeverity } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

/** Due pending rows, oldest first, skipping ids already being sent. */
export function findDue(db: Db, limit: number, excludeIds: number[]): Promise<NotificationEvent[]> {
  let query = db
    .selectFrom('notification_events')
    .selectAll()
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .orderBy('next_attempt_at')
    .orderBy('id')
    .limit(limit);
  if (excludeIds.length > 0) query = query.where('id', 'not in', excludeIds);
  return query.execute();
}

/** Every pending follower of a group that is due, to be sent as one message. */
export function findDueFollowers(db: Db, leaderId: number): Promise<NotificationEvent[]> {
  return db
    .selectFrom('notification_events')
    .selectAll()
    .where('group_leader_id', '=', leaderId)
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', sql<Date>`now()`)
    .orderBy('id')
    .execute();
}

export function findById(db: Db, id: number): Promise<NotificationEvent | undefined> {
  return db.selectFrom('notification_events').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function markSent(db: Db, ids: number[], messageId: number | null): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('notification_events')
    .set({
      status: 'sent',
      notification_sent: true,
      notification_sent_at: sql<Date>`now()`,
      last_attempt_at: sql<Date>`now()`,
      telegram_message_id: messageId,
      notification_error: null,
    })
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

export async function reschedule(
  db: Db,
  ids: number[],
  delayMs: number,
  error: string | null,
  countAttempt: boolean,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('notification_events')
    .set((eb) => ({
      next_attempt_at: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
      last_attempt_at: sql<Date>`now()`,
      notification_error: error,
      retry_count: countAttempt ? eb('retry_count', '+', 1) : eb.ref('retry_count'),
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

export async function markFailed(db: Db, ids: number[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .updateTable('notification_events')
    .set((eb) => ({
      status: 'failed',
      notification_error: error.slice(0, 2000),
      last_attempt_at: sql<Date>`now()`,
      retry_count: eb('retry_count', '+', 1),
    }))
    .where('id', 'in', ids)
    .where('status', '=', 'pending')
    .execute();
}

export async function logTelegramMessage(
  db: Db,
  entry: {
    chatId: string;
    type: string;
    severity: string;
    title: string | null;
    text: string;
    messageId: number | null;
    delivered: boolean;
    error: string | null;
    sourceEventId: number | null;
    triggeredBy: string;
  },
): Promise<void> {
  await db
    .insertInto('telegram_message_log')
    .values({
      chat_id: entry.chatId,
      message_type: entry.type.slice(0, 50),
      severity: entry.severity as NotificationSeverity,
      title: entry.title?.slice(0, 255) ?? null,
      message_text: entry.text,
      message_id: entry.messageId,
      delivered: entry.delivered,
      error_message: entry.error,
      source_event_id: entry.sourceEventId,
      triggered_by: entry.triggeredBy.slice(0, 100),
    })
    .execute();
}

/** Delivered messages of the last minute (to seed the rate limiter after a restart). */
export async function recentDeliveries(db: Db): Promise<{ chat_id: string; sent_at: Date }[]> {
  return db
    .selectFrom('telegram_message_log')
    .select(['chat_id', 'sent_at'])
    .where('delivered', '=', true)
    .where('sent_at', '>', sql<Date>`now() - interval '61 seconds'`)
    .execute();
}

/** Pending Telegram rows can never go once the bot is forgotten. */
export async function failPendingTelegram(db: Db, reason: string): Promise<void> {
  await db
    .updateTable('notification_events')
    .set({ status: 'failed', notification_error: reason })
    .where('status', '=', 'pending')
    .where('destination', 'like', 'telegram:%')
    .execute();
}

/** Retention: finished outbox rows and the message log older than `days`. */
export async function pruneOlderThan(db: Db, days: number): Promise<number> {
  const log = await db
    .deleteFrom('telegram_message_log')
    .where('sent_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  await sql`SELECT cleanup_telegram_rate_limits()`.execute(db);
  const events = await db
    .deleteFrom('notification_events')
    .where('status', '!=', 'pending')
    .where('created_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirst();
  return Number(log.numDeletedRows) + Number(events.numDeletedRows);
}
