import type { Kysely, Transaction } from 'kysely';
import type { Database, NewNotificationWebhook, NotificationWebhook } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

export function listWebhooks(db: Db): Promise<NotificationWebhook[]> {
  return db.selectFrom('notification_webhooks').selectAll().orderBy('id').execute();
}

export function findWebhook(db: Db, id: number): Promise<NotificationWebhook | undefined> {
  return db.selectFrom('notification_webhooks').selectAll().where('id', '=', id).executeTakeFirst();
}

export function insertWebhook(db: Db, row: NewNotificationWebhook): Promise<NotificationWebhook> {
  return db.insertInto('notification_webhooks').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function deleteWebhook(db: Db, id: number): Promise<boolean> {
  const result = await db.deleteFrom('notification_webhooks').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}
