/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import type { Kysely } from 'kysely';

/**
 * The chat-level RAG setting, owned by llm-queue: `{ "spaceIds": [...] }` when the conversation answers from
 * the documents (an empty list = every space), NULL for a plain chat. Set by a chat request with `rag`, so the
 * conversation keeps using the documents.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('chat_conversations').addColumn('rag', 'jsonb').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('chat_conversations').dropColumn('rag').execute();
}
