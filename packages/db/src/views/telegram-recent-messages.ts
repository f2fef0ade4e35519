import type { Selectable } from 'kysely';
import type { NotificationSeverity } from '../tables/notification-events';

/** View: the 50 most recent Telegram messages, newest first. */
export interface TelegramRecentMessagesView {
  id: number;
  chat_id: string;
  message_type: string;
  severity: NotificationSeverity;
  title: string | null;
  message_text: string;
  message_id: number | null;
  delivered: boolean;
  error_message: string | null;
  retry_count: number;
  triggered_by: string;
  sent_at: Date;
}

export type TelegramRecentMessage = Selectable<TelegramRecentMessagesView>;
