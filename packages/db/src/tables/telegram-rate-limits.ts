import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Messages sent per chat and one-second window; written by `check_telegram_rate_limit`, kept 1 hour. */
export interface TelegramRateLimitsTable {
  id: Generated<number>;
  chat_id: string;
  window_start: Timestamp;
  message_count: Generated<number>;
  last_message_at: Generated<Timestamp>;
}

export type TelegramRateLimit = Selectable<TelegramRateLimitsTable>;
export type NewTelegramRateLimit = Insertable<TelegramRateLimitsTable>;
export type TelegramRateLimitUpdate = Updateable<TelegramRateLimitsTable>;
