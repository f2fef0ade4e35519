import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

/** SQL of the RAG side of chats: the conversation's setting, honest no-result turns, sources of a job. */
export const ragRepository = {
  /** The RAG setting of a live conversation of `userId`; undefined when there is no such conversation. */
  async conversationSetting(db: Db, userId: number, conversationId: string) {
    return db
      .selectFrom('chat_conversations')
      .select('rag')
      .where('id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
  },

  /** The conversation stops answering from the documents (only the owner's, live conversation). */
  async forgetSetting(db: Db, userId: number, conversationId: string): Promise<void> {
    await db
      .updateTable('chat_conversations')
      .set({ rag: null })
      .where('id', '=', conversationId)
      .where('user_id', '=', userId)
      .where('deleted_at', 'is', null)
      .execute();
  },

  /**
   * A complete turn without a job: the conversation (new or the user's own), the question and the fixed
   * answer with an empty source list, in one statement. Undefined when `conversationId` is not the user's.
   */
  async insertAnsweredTurn(
    db: Db,
    turn: {
      userId: number;
      conversationId: string | null;
      title: string;
      message: string;
      answer: string;
      setting: unknown;
    },
  ) {
    const setting = JSON.stringify(turn.setting);
    const { rows } = await sql<{
      conversation_id: string;
      user_message_id: string;
      assistant_message_id: string;
    }>`
      WITH created AS (
        INSERT INTO chat_conversations (user_id, title, rag)
        SELECT ${turn.userId}, ${turn.title}, ${setting}::jsonb WHERE ${turn.conversationId}::uuid IS NULL
        RETURNING id
      ), target AS (
        SELECT id FROM created
        UNION ALL
        SELECT id FROM chat_conversations
         WHERE id = ${turn.conversationId}::uuid AND user_id = ${turn.userId} AND deleted_at IS NULL
      ), remembered AS (
        UPDATE chat_conversations SET rag = ${setting}::jsonb
         WHERE id = ${turn.conversationId}::uuid AND user_id = ${turn.userId} AND deleted_at IS NULL
      ), question AS (
        INSERT INTO chat_messages (conversation_id, role, content, status, created_at)
        SELECT id, 'user', ${turn.message}, 'complete', clock_timestamp() FROM target
        RETURNING id, conversation_id, created_at
      ), answer AS (
        INSERT INTO chat_messages (conversation_id, role, content, status, sources, created_at)
        SELECT conversation_id, 'assistant', ${turn.answer}, 'complete', '[]'::jsonb,
               created_at + interval '1 microsecond'
          FROM question
        RETURNING id
      )
      SELECT question.conversation_id, question.id AS user_message_id, answer.id AS assistant_message_id
        FROM question, answer
    `.execute(db);
    return rows[0];
  },

  /** The sources stored with a job's answer (null for a job without RAG). */
  async sourcesOfJob(db: Db, jobId: string) {
    const row = await db
      .selectFrom('chat_messages')
      .select('sources')
      .where('job_id', '=', jobId)
      .where('role', '=', 'assistant')
      .executeTakeFirst();
    return row?.sources ?? null;
  },
};
