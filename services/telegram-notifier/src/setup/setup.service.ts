import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { TelegramChatDto, TelegramSetup, TelegramStatus } from '@arasul/contracts/http/notifications';
import type { Database, TelegramChat, TelegramSetupSession } from '@arasul/db';
import type { Identity } from '@arasul/service-kit/auth';
import type { Logger } from '@arasul/service-kit/logger';
import { failPendingTelegram } from '../outbox/outbox.repository';
import {
  SetupNotFoundError,
  TelegramNotConfiguredError,
  TelegramTokenInvalidError,
  TelegramUnreachableError,
} from '../shared/notifier.errors';
import type { BotAccount } from '../telegram/bot-account';
import { BotApiError } from '../telegram/telegram.client';
import {
  completeSession,
  findSession,
  forgetBot,
  insertSession,
  listChats,
  upsertChat,
} from './setup.repository';

export const SETUP_TTL_MS = 10 * 60 * 1000;

export function chatDto(chat: TelegramChat): TelegramChatDto {
  return {
    chatId: chat.chat_id,
    type: chat.chat_type,
    title: chat.title,
    enabled: chat.enabled,
    adminLinked: chat.user_id !== null,
  };
}

/** What the wizard shows: a one-time code behind a deep link (and its QR code), then the chat it found. */
export class SetupService {
  /** `changed` (code) when a session's progress changed here (a chat pressed Start). */
  readonly events = new EventEmitter();

  /** Called when the bot or its chats changed, so the poller and the dispatcher pick it up. */
  onChange: () => void = () => undefined;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly account: BotAccount,
    private readonly logger: Logger,
    private readonly pollingMode: () => 'polling' | 'webhook' | 'off',
  ) {}

  async start(token: string, identity: Identity): Promise<TelegramSetup> {
    this.account.requireBox();
    let me: { username: string };
    try {
      me = await this.account.clientFor(token).getMe();
    } catch (error) {
      if (error instanceof BotApiError && (error.kind === 'unauthorized' || error.kind === 'rejected')) {
        throw new TelegramTokenInvalidError();
      }
      throw new TelegramUnreachableError(error);
    }
    const session = await insertSession(this.db, {
      setup_token: randomBytes(16).toString('hex'),
      bot_token_encrypted: this.account.sealSetupToken(token),
      bot_username: me.username,
      user_id: identity.userId,
      status: 'token_valid',
      kind: 'setup',
      expires_at: new Date(Date.now() + SETUP_TTL_MS),
    });
    this.logger.info('telegram setup started', { bot: me.username, userId: identity.userId });
    this.onChange();
    return this.dto(session, null);
  }

  /** One more chat (a group, a colleague) for the configured bot. */
  async link(identity: Identity): Promise<TelegramSetup> {
    const username = (await this.account.current())?.username ?? null;
    if (username === null) throw new TelegramNotConfiguredError();
    const session = await insertSession(this.db, {
      setup_token: randomBytes(16).toString('hex'),
      bot_username: username,
      user_id: identity.userId,
      status: 'token_valid',
      kind: 'link',
      expires_at: new Date(Date.now() + SETUP_TTL_MS),
    });
    return this.dto(session, null);
  }

  async progress(code: string): Promise<TelegramSetup> {
    const session = await findSession(this.db, code);
    if (!session) throw new SetupNotFoundError();
    const chat =
      session.chat_id === null
        ? null
        : (await listChats(this.db)).find((c) => c.chat_id === String(session.chat_id));
    return this.dto(session, chat ? chatDto(chat) : null);
  }

  /**
   * `/start <code>` arrived in `chat` through the bot `botToken` polls for. Completes the session once;
   * returns false for unknown, used or expired codes.
   */
  async complete(
    code: string,
    chat: { id: string; type: TelegramChat['chat_type']; title: string | null },
    botToken: string,
  ): Promise<boolean> {
    const session = await findSession(this.db, code);
    if (session?.status !== 'token_valid') return false;
    const done = await this.db.transaction().execute(async (trx) => {
      if (!(await completeSession(trx, session.id, chat.id, chat.title))) return false;
      if (session.kind === 'setup') {
        await this.account.store(trx, botToken, session.bot_username ?? '');
        // A new bot: chats of an earlier one cannot be reached by it.
        await trx.deleteFrom('telegram_chats').execute();
      }
      await upsertChat(trx, { chatId: chat.id, type: chat.type, title: chat.title, userId: session.user_id });
      return true;
    });
    if (!done) return false;
    this.account.invalidate();
    const bot = await this.account.current();
    if (bot) {
      try {
        await bot.client.sendMessage(
          chat.id,
          '✅ Arasul is connected. Notifications will arrive in this chat.',
        );
        await this.db
          .updateTable('telegram_config')
          .set({ test_message_sent_at: new Date() })
          .where('id', '=', 1)
          .execute();
      } catch (error) {
        this.logger.warn('telegram test message failed', {
          chatId: chat.id,
          error: error instanceof Error ? error.message : 'failed',
        });
      }
    }
    this.logger.info('telegram chat linked', { chatId: chat.id, type: chat.type, kind: session.kind });
    this.events.emit('changed', code);
    this.onChange();
    return true;
  }

  async status(): Promise<Omit<TelegramStatus, 'outbox'>> {
    const [bot, chats, config] = await Promise.all([
      this.account.box ? this.account.current() : Promise.resolve(null),
      listChats(this.db),
      this.db.selectFrom('telegram_config').select(['last_error']).where('id', '=', 1).executeTakeFirst(),
    ]);
    return {
      state: !this.account.box ? 'no_encryption_key' : bot ? 'configured' : 'not_configured',
      botUsername: bot?.username ?? null,
      chats: chats.map(chatDto),
      mode: bot ? this.pollingMode() : 'off',
      lastError: config?.last_error ?? null,
    };
  }

  async forget(): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await forgetBot(trx);
      await failPendingTelegram(trx, 'telegram_not_configured');
    });
    this.account.invalidate();
    this.onChange();
  }

  private async dto(session: TelegramSetupSession, chat: TelegramChatDto | null): Promise<TelegramSetup> {
    const username = session.bot_username ?? '';
    const deepLink = `https://t.me/${username}?start=${session.setup_token}`;
    return {
      code: session.setup_token,
      kind: session.kind,
      status: session.status,
      botUsername: username,
      deepLink,
      groupLink: `https://t.me/${username}?startgroup=${session.setup_token}`,
      qrSvg: await qrSvg(deepLink),
      expiresAt: session.expires_at.toISOString(),
      chat,
      error: session.error,
    };
  }
}

/** qrcode (with pngjs) is loaded with the first wizard, not with the service. */
async function qrSvg(text: string): Promise<string> {
  const { default: qrcode } = await import('qrcode');
  return qrcode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}
