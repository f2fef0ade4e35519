import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Added by 041: every chat the bot writes to; learnt from a one-time /start code. */
export interface TelegramChatsTable {
  id: Generated<number>;
  /** Unique; negative for groups. */
  chat_id: string;
  chat_type: 'private' | 'group' | 'supergroup' | 'channel';
  title: string | null;
  /** The admin who linked the chat (may run /restart). */
  user_id: number | null;
  enabled: Generated<boolean>;
  created_at: Generated<Timestamp>;
}

export type TelegramChat = Selectable<TelegramChatsTable>;
export type NewTelegramChat = Insertable<TelegramChatsTable>;
export type TelegramChatUpdate = Updateable<TelegramChatsTable>;
