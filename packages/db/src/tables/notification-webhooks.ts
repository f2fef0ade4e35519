import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Added by 041: outgoing webhooks; the HMAC secret is AES-256-GCM encrypted like the bot token. */
export interface NotificationWebhooksTable {
  id: Generated<number>;
  name: string;
  url: string;
  secret_encrypted: string;
  secret_iv: string;
  secret_tag: string;
  enabled: Generated<boolean>;
  created_by: number | null;
  created_at: Generated<Timestamp>;
}

export type NotificationWebhook = Selectable<NotificationWebhooksTable>;
export type NewNotificationWebhook = Insertable<NotificationWebhooksTable>;
export type NotificationWebhookUpdate = Updateable<NotificationWebhooksTable>;
