import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Int8 } from '../column-types';

/** Postgres enum telegram_setup_status. */
export type TelegramSetupStatus = 'pending' | 'token_valid' | 'completed' | 'expired';

/** Short-lived sessions of the Telegram bot setup wizard. */
export interface TelegramSetupSessionsTable {
  id: Generated<number>;
  /** Unique. */
  setup_token: string;
  /** bytea, AES-256 encrypted. */
  bot_token_encrypted: Buffer | null;
  bot_username: string | null;
  /** Telegram chat ids exceed 32 bits. */
  chat_id: Int8 | null;
  user_id: number | null;
  status: Generated<TelegramSetupStatus>;
  expires_at: Timestamp;
  /** Added by 041: 'setup' (new bot token) or 'link' (one more chat for the configured bot). */
  kind: Generated<'setup' | 'link'>;
  chat_title: string | null;
  error: string | null;
  created_at: Generated<Timestamp>;
}

export type TelegramSetupSession = Selectable<TelegramSetupSessionsTable>;
export type NewTelegramSetupSession = Insertable<TelegramSetupSessionsTable>;
export type TelegramSetupSessionUpdate = Updateable<TelegramSetupSessionsTable>;
