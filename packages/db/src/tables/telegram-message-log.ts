import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';
import type { NotificationSeverity } from './notification-events';

/** Every Telegram message sent or attempted, kept 30 days (`cleanup_telegram_message_logs`). */
export interface TelegramMessageLogTable {
  id: Generated<number>;
  chat_id: string;
  /** alert, test, notification, daily_summary, … */
  message_type: string;
  severity: Generated<NotificationSeverity>;
  title: string | null;
  message_text: string;
  /** Telegram message id. */
  message_id: number | null;
  metadata: Json | null;
  sent_at: Generated<Timestamp>;
  delivered: Generated<boolean>;
  error_message: string | null;
  retry_count: Generated<number>;
  /** notification_events.id. */
  source_event_id: number | null;
  /** system, user:{username}, scheduler; default 'system'. */
  triggered_by: Generated<string>;
}

export type TelegramMessageLogEntry = Selectable<TelegramMessageLogTable>;
export type NewTelegramMessageLogEntry = Insertable<TelegramMessageLogTable>;
export type TelegramMessageLogEntryUpdate = Updateable<TelegramMessageLogTable>;
