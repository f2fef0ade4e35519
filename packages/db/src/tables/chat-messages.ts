import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

export type ChatMessageRole = 'user' | 'assistant' | 'system';
/** Migration 032: an assistant message is created `queued` and filled while its job streams. */
export type ChatMessageStatus = 'queued' | 'streaming' | 'complete' | 'cancelled' | 'failed';

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
  /** Migration 032; 'complete' for user messages. */
  status: Generated<ChatMessageStatus>;
  /** The llm_jobs row that writes this assistant message (migration 032). */
  job_id: string | null;
  /** The model that answered (migration 032). */
  model: string | null;
}

export type ChatMessage = Selectable<ChatMessagesTable>;
export type NewChatMessage = Insertable<ChatMessagesTable>;
export type ChatMessageUpdate = Updateable<ChatMessagesTable>;
