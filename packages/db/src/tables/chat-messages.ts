import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

export type ChatMessageRole = 'user' | 'assistant' | 'system';

/** Messages of a conversation; deleted with it. */
export interface ChatMessagesTable {
  /** uuid. */
  id: Generated<string>;
  conversation_id: string;
  role: ChatMessageRole;
  content: string;
  /** The model's reasoning, when it produced any. */
  thinking: string | null;
  /** RAG sources the answer was based on. */
  sources: Json | null;
  created_at: Generated<Timestamp>;
}

export type ChatMessage = Selectable<ChatMessagesTable>;
export type NewChatMessage = Insertable<ChatMessagesTable>;
export type ChatMessageUpdate = Updateable<ChatMessagesTable>;
