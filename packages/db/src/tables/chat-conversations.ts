import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Json, Timestamp } from '../column-types';

/** Chat conversations. Soft-deleted via `deleted_at`, purged 30 days later (`purge_deleted_conversations`). */
export interface ChatConversationsTable {
  /** uuid. */
  id: Generated<string>;
  /** NULL until the chat is named; the dashboard shows its own label. */
  title: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update and whenever a message is added or removed. */
  updated_at: Generated<Timestamp>;
  deleted_at: Timestamp | null;
  /** Maintained by the `update_message_count` trigger; do not write. */
  message_count: Generated<number>;
  /** The owner (migration 032); deleted with the account. NULL only for rows older than 032. */
  user_id: number | null;
  /** RAG of the conversation (migration 038): `{ spaceIds: string[] }`, NULL for a plain chat. */
  rag: Json | null;
}

export type ChatConversation = Selectable<ChatConversationsTable>;
export type NewChatConversation = Insertable<ChatConversationsTable>;
export type ChatConversationUpdate = Updateable<ChatConversationsTable>;
