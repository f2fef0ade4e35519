import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Postgres enum notification_event_source. */
export type NotificationEventSource = 'claude' | 'system' | 'n8n' | 'services' | 'custom';

/** Rules that turn platform events into Telegram messages. */
export interface TelegramNotificationRulesTable {
  id: Generated<number>;
  name: string;
  event_source: NotificationEventSource;
  /** NULL matches every event type of the source. */
  event_type: string | null;
  /** varchar(20)[]; NULL matches every severity. */
  severity_filter: string[] | null;
  message_template: string | null;
  enabled: Generated<boolean>;
  created_at: Generated<Timestamp>;
  /** Added by 041; default 'warning'. */
  min_severity: Generated<string>;
  /** varchar(50)[]; NULL: every enabled chat. */
  chat_ids: string[] | null;
  send_to_webhooks: Generated<boolean>;
  updated_at: Generated<Timestamp>;
}

export type TelegramNotificationRule = Selectable<TelegramNotificationRulesTable>;
export type NewTelegramNotificationRule = Insertable<TelegramNotificationRulesTable>;
export type TelegramNotificationRuleUpdate = Updateable<TelegramNotificationRulesTable>;
