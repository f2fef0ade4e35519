import type { Selectable } from 'kysely';

/** View: Telegram messages of the last 24 hours per message type. */
export interface TelegramStats24hView {
  message_type: string;
  /** bigint count. */
  total_messages: string;
  delivered_messages: string;
  failed_messages: string;
  critical_messages: string;
  last_sent_at: Date;
}

export type TelegramStats24h = Selectable<TelegramStats24hView>;
