import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

const conversationColumns = [
  'chat_conversations.id',
  'chat_conversations.title',
  'chat_conversations.created_at',
  'chat_conversations.updated_at',
  'chat_conversations.deleted_at',
  'chat_conversations.message_count',
  'chat_conversations.user_id',
  'chat_conversations.rag',
] as const;

const messageColumns = [
  'chat_messages.id',
  'chat_messages.conversation_id',
  'chat_messages.role',
  'chat_messages.content',
  'chat_messages.thinking',
  'chat_messages.sources',
  'chat_messages.created_at',
  'chat_messages.status',
  'chat_messages.job_id',
  'chat_messages.model',
] as const;

/** `%`, `_` and `\` match literally in the LIKE pattern built from a user's search text. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** SQL of chat_conversations and chat_messages. Every read is scoped to the owner. */
export const chatsRepository = {
  insertConversation(db: Db, userId: number, title: string | null) {
    return db
      .insertInto('chat_conversations')
      .values({ user_id: userId, title })
      .returning(conversationColumns)
      .executeTakeFirstOrThrow();
  },

  /** The user's conversation unless it is deleted; undefined otherwise (also for someone else's). */
  findOwned(db: Db, userId: number, id: string) {
    return db
      .selectFrom('chat_conversations')
      .select(conversationColumns)
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  listOwned(db: Db, userId: number, limit: number, before?: Date) {
    let query = db
      .selectFrom('chat_conversations')
      .select(conversationColumns)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .orderBy('updated_at', 'desc')
      .orderBy('id')
      .limit(limit);
    if (before !== undefined) query = query.where('updated_at', '<', before);
    return query.execute();
  },

  updateTitle(db: Db, userId: number, id: string, title: string | null) {
    return db
      .updateTable('chat_conversations')
      .set({ title })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .returning(conversationColumns)
      .executeTakeFirst();
  },

  async softDelete(db: Db, userId: number, id: string): Promise<boolean> {
    const result = await db
      .updateTable('chat_conversations')
      .set({ deleted_at: sql`now()` })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  },

  /** Conversations whose title or any message contains `text` (case-insensitive), newest first. */
  search(db: Db, userId: number, text: string, limit: number) {
    const pattern = likePattern(text);
    return db
      .selectFrom('chat_conversations')
      .select(conversationColumns)
      .select((eb) =>
        eb
          .selectFrom('chat_messages')
          .select('chat_messages.content')
          .whereRef('chat_messages.conversation_id', '=', 'chat_conversations.id')
          .where(sql<boolean>`chat_messages.content ILIKE ${pattern}`)
          .orderBy('chat_messages.created_at', 'desc')
          .limit(1)
          .as('matching_content'),
      )
      .where('chat_conversations.user_id', '=', userId)
      .where('chat_conversations.deleted_at', 'is', null)
      .where((eb) =>
        eb.or([
          eb(sql<string>`chat_conversations.title`, 'ilike', pattern),
          eb.exists(
            eb
              .selectFrom('chat_messages')
              .select(sql`1`.as('one'))
              .whereRef('chat_messages.conversation_id', '=', 'chat_conversations.id')
              .where(sql<boolean>`chat_messages.content ILIKE ${pattern}`),
          ),
        ]),
      )
      .orderBy('chat_conversations.updated_at', 'desc')
      .limit(limit)
      .execute();
  },

  listMessages(db: Db, conversationId: string, limit: number, after?: Date) {
    let query = db
      .selectFrom('chat_messages')
      .select(messageColumns)
      .where('conversation_id', '=', conversationId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit);
    if (after !== undefined) query = query.where('created_at', '>', after);
    return query.execute();
  },

  async purgeDeleted(db: Db, retentionDays: number): Promise<number> {
    const { rows } = await sql<{ removed: number }>`
      SELECT purge_deleted_conversations(${retentionDays}) AS removed
    `.execute(db);
    return rows[0]?.removed ?? 0;
  },
};

export type ConversationRow = Awaited<ReturnType<typeof chatsRepository.insertConversation>>;
export type MessageRow = Awaited<ReturnType<typeof chatsRepository.listMessages>>[number];
