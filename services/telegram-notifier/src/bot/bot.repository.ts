import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';
import type { Identity } from '@arasul/service-kit/auth';

/** The active user who linked a chat, as the identity the bot acts with; undefined when there is none. */
export async function findLinkedIdentity(
  db: Kysely<Database>,
  userId: number | null,
): Promise<Identity | undefined> {
  if (userId === null) return undefined;
  const row = await db
    .selectFrom('admin_users')
    .select(['id', 'username', 'role'])
    .where('id', '=', userId)
    .where('is_active', '=', true)
    .executeTakeFirst();
  return row && { userId: row.id, username: row.username, role: row.role, authType: 'jwt', scopes: [] };
}

/** Open alerts as the notifier was told about them on the bus (fired, not resolved since), last day. */
export function openAlertTitles(db: Kysely<Database>): Promise<{ title: string; severity: string }[]> {
  return db
    .selectFrom('notification_events')
    .select(['title', 'severity'])
    .distinctOn('subject')
    .where('event_type', '=', 'metrics.alert.fired')
    .where('created_at', '>', sql<Date>`now() - interval '1 day'`)
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('notification_events as r')
            .select('r.id')
            .where('r.event_type', '=', 'metrics.alert.resolved')
            .whereRef('r.subject', '=', 'notification_events.subject')
            .whereRef('r.created_at', '>', 'notification_events.created_at'),
        ),
      ),
    )
    .orderBy('subject')
    .orderBy('created_at', 'desc')
    .limit(10)
    .execute();
}

export async function outboxCounts(db: Kysely<Database>): Promise<{ pending: string; failed: string }> {
  const counts = await db
    .selectFrom('notification_events')
    .select((eb) => [
      eb.fn.countAll<string>().filterWhere('status', '=', 'pending').as('pending'),
      eb.fn.countAll<string>().filterWhere('status', '=', 'failed').as('failed'),
    ])
    .executeTakeFirst();
  return { pending: counts?.pending ?? '0', failed: counts?.failed ?? '0' };
}

export function lastSentTitles(db: Kysely<Database>): Promise<{ title: string; severity: string }[]> {
  return db
    .selectFrom('notification_events')
    .select(['title', 'severity'])
    .where('status', '=', 'sent')
    .orderBy('id', 'desc')
    .limit(5)
    .execute();
}
