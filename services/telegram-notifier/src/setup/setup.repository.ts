import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database, NewTelegramSetupSession, TelegramChat, TelegramSetupSession } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

export function insertSession(db: Db, row: NewTelegramSetupSession): Promise<TelegramSetupSession> {
  return db.insertInto('telegram_setup_sessions').values(row).returningAll().executeTakeFirstOrThrow();
}

/** Marks expired sessions as such, then returns the one with `code`. */
export async function findSession(db: Db, code: string): Promise<TelegramSetupSession | undefined> {
  await db
    .updateTable('telegram_setup_sessions')
    .set({ status: 'expired' })
    .where('status', 'in', ['pending', 'token_valid'])
    .where('expires_at', '<=', sql<Date>`now()`)
    .execute();
  return db
    .selectFrom('telegram_setup_sessions')
    .selectAll()
    .where('setup_token', '=', code)
    .executeTakeFirst();
}

/** The newest open session of a new bot token (its bot must be polled until someone presses Start). */
export function findOpenSetupSession(db: Db): Promise<TelegramSetupSession | undefined> {
  return db
    .selectFrom('telegram_setup_sessions')
    .selectAll()
    .where('kind', '=', 'setup')
    .where('status', '=', 'token_valid')
    .where('expires_at', '>', sql<Date>`now()`)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function completeSession(
  db: Db,
  id: number,
  chatId: string,
  title: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable('telegram_setup_sessions')
    .set({ status: 'completed', chat_id: chatId, chat_title: title })
    .where('id', '=', id)
    .where('status', '=', 'token_valid')
    .where('expires_at', '>', sql<Date>`now()`)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function upsertChat(
  db: Db,
  chat: { chatId: string; type: TelegramChat['chat_type']; title: string | null; userId: number | null },
): Promise<void> {
  await db
    .insertInto('telegram_chats')
    .values({
      chat_id: chat.chatId,
      chat_type: chat.type,
      title: chat.title,
      user_id: chat.userId,
      enabled: true,
    })
    .onConflict((oc) =>
      oc
        .column('chat_id')
        .doUpdateSet({ chat_type: chat.type, title: chat.title, user_id: chat.userId, enabled: true }),
    )
    .execute();
}

export function listChats(db: Db): Promise<TelegramChat[]> {
  return db.selectFrom('telegram_chats').selectAll().orderBy('id').execute();
}

export function findChat(db: Db, chatId: string): Promise<TelegramChat | undefined> {
  return db
    .selectFrom('telegram_chats')
    .selectAll()
    .where('chat_id', '=', chatId)
    .where('enabled', '=', true)
    .executeTakeFirst();
}

export async function readPollingOffset(db: Db): Promise<number> {
  const row = await db
    .selectFrom('telegram_config')
    .select('polling_offset')
    .where('id', '=', 1)
    .executeTakeFirst();
  return Number(row?.polling_offset ?? 0);
}

export async function savePollingOffset(db: Db, offset: number): Promise<void> {
  await db.updateTable('telegram_config').set({ polling_offset: offset }).where('id', '=', 1).execute();
}

/** Forget the bot: token, chats, open sessions. */
export async function forgetBot(db: Db): Promise<void> {
  await db.deleteFrom('telegram_chats').execute();
  await db.deleteFrom('telegram_setup_sessions').execute();
  await db
    .updateTable('telegram_config')
    .set({
      bot_token_encrypted: null,
      bot_token_iv: null,
      bot_token_tag: null,
      bot_username: null,
      chat_id: null,
      enabled: false,
      connection_verified: false,
      polling_offset: 0,
    })
    .where('id', '=', 1)
    .execute();
}

export async function recordBotError(db: Db, error: string | null): Promise<void> {
  await db
    .updateTable('telegram_config')
    .set({ last_error: error, last_error_at: error === null ? null : sql<Date>`now()` })
    .where('id', '=', 1)
    .execute();
}
