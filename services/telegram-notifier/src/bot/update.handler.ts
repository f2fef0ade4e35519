import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '@arasul/db';
import type { Logger } from '@arasul/service-kit';
import { findChat } from '../setup/setup.repository';
import type { LlmClient } from './llm.client';
import type { SetupService } from '../setup/setup.service';
import { BotApiError, type BotClient } from '../telegram/telegram.client';

/** A reply to a person: when Telegram says 429, wait what it says (up to 5 s) and try once more. */
async function replyWithin(client: BotClient, chatId: string, text: string): Promise<number> {
  try {
    return await client.sendMessage(chatId, text);
  } catch (error) {
    if (!(error instanceof BotApiError) || error.kind !== 'rate_limited') throw error;
    await new Promise((resolve) => setTimeout(resolve, Math.min(5, error.retryAfterSeconds ?? 1) * 1000));
    return client.sendMessage(chatId, text);
  }
}

const updateSchema = z.object({
  update_id: z.number().int(),
  message: z
    .object({
      message_id: z.number().int(),
      chat: z.object({
        id: z.number().int(),
        type: z.enum(['private', 'group', 'supergroup', 'channel']),
        title: z.string().optional(),
        first_name: z.string().optional(),
      }),
      text: z.string().optional(),
    })
    .optional(),
  callback_query: z.object({ id: z.string() }).optional(),
});

const HELP = [
  'Arasul bot commands:',
  '/status – open alerts and pending notifications',
  '/alerts – the last notifications',
  '/ask <question> – ask the local AI (answers when the queue gets to it)',
  '/help – this list',
].join('\n');

/**
 * Handles one Bot API update: `/start <code>` links a chat (setup wizard); other commands answer only in
 * linked chats, everyone else gets a polite refusal (and a log line).
 */
export class UpdateHandler {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly setup: SetupService,
    private readonly logger: Logger,
    private readonly llm: LlmClient | null = null,
  ) {}

  private asking = false;

  async handle(raw: unknown, client: BotClient, token: string): Promise<void> {
    const parsed = updateSchema.safeParse(raw);
    if (!parsed.success) return;
    const { message, callback_query: callback } = parsed.data;
    if (callback) {
      await client.answerCallbackQuery(callback.id).catch(() => undefined);
      return;
    }
    if (message?.text === undefined) return;
    const chatId = String(message.chat.id);
    const [command = '', ...args] = message.text.trim().split(/\s+/);
    const name = command.split('@')[0]?.toLowerCase() ?? '';

    if (name === '/start' && args[0] !== undefined) {
      const linked = await this.setup.complete(
        args[0],
        { id: chatId, type: message.chat.type, title: message.chat.title ?? message.chat.first_name ?? null },
        token,
      );
      if (!linked)
        await replyWithin(
          client,
          chatId,
          'This link is not valid (any more). Please start the setup again in the Arasul dashboard.',
        );
      return;
    }
    if (!name.startsWith('/')) return;
    const chat = await findChat(this.db, chatId);
    if (!chat) {
      this.logger.warn('telegram command from an unauthorized chat', { chatId, command: name.slice(0, 32) });
      await replyWithin(
        client,
        chatId,
        'Sorry, this chat is not linked to this Arasul box. An administrator can link it in the dashboard.',
      );
      return;
    }
    if (name === '/ask') {
      this.ask(client, chatId, args.join(' '));
      return;
    }
    await replyWithin(client, chatId, await this.answer(name));
  }

  /**
   * Not awaited: an answer can take minutes in the queue, and the poller must keep handling updates.
   * One question at a time; a placeholder is edited into the answer.
   */
  private ask(client: BotClient, chatId: string, question: string): void {
    if (question.trim() === '') {
      void replyWithin(client, chatId, 'Usage: /ask <question>').catch(() => undefined);
      return;
    }
    if (this.asking || !this.llm) {
      void replyWithin(
        client,
        chatId,
        this.llm ? 'Still answering the last question, please wait.' : '/ask is not available.',
      ).catch(() => undefined);
      return;
    }
    const llm = this.llm;
    this.asking = true;
    void (async () => {
      let placeholder: number | null = null;
      try {
        placeholder = await replyWithin(client, chatId, '⏳ …');
        const answer = (await llm.ask(question.slice(0, 2000))).trim().slice(0, 4000) || '(no answer)';
        await client.editMessageText(chatId, placeholder, answer);
      } catch (error) {
        this.logger.warn('telegram /ask failed', {
          chatId,
          error: error instanceof Error ? error.message : 'failed',
        });
        const text = 'Sorry, the AI could not answer right now.';
        await (
          placeholder === null
            ? replyWithin(client, chatId, text)
            : client.editMessageText(chatId, placeholder, text)
        ).catch(() => undefined);
      } finally {
        this.asking = false;
      }
    })();
  }

  private async answer(command: string): Promise<string> {
    switch (command) {
      case '/status': {
        const counts = await this.db
          .selectFrom('notification_events')
          .select((eb) => [
            eb.fn.countAll<string>().filterWhere('status', '=', 'pending').as('pending'),
            eb.fn.countAll<string>().filterWhere('status', '=', 'failed').as('failed'),
          ])
          .executeTakeFirst();
        // Alerts are metrics-collector's table; the notifier answers from what it was told on the bus.
        const open = await this.db
          .selectFrom('notification_events')
          .select(['title', 'severity'])
          .distinctOn('subject')
          .where('event_type', '=', 'metrics.alert.fired')
          .where('created_at', '>', sql<Date>`now() - interval '1 day'`)
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('notification_events as r')
                  .select('r.id')
                  .where('r.event_type', '=', 'metrics.alert.resolved')
                  .whereRef('r.subject', '=', 'notification_events.subject')
                  .whereRef('r.created_at', '>', 'notification_events.created_at'),
              ),
            ),
          )
          .orderBy('subject')
          .orderBy('created_at', 'desc')
          .limit(10)
          .execute();
        const alerts = open.length === 0 ? 'No open alerts.' : open.map((a) => `• ${a.title}`).join('\n');
        return `${alerts}\nNotifications pending: ${counts?.pending ?? '0'}, failed: ${counts?.failed ?? '0'}`;
      }
      case '/alerts': {
        const rows = await this.db
          .selectFrom('notification_events')
          .select(['title', 'severity', 'created_at'])
          .where('status', '=', 'sent')
          .orderBy('id', 'desc')
          .limit(5)
          .execute();
        return rows.length === 0
          ? 'No notifications yet.'
          : rows.map((r) => `• ${r.title} (${r.severity})`).join('\n');
      }
      case '/help':
      case '/start':
        return HELP;
      default:
        return `Unknown command ${command.slice(0, 32)}.\n${HELP}`;
    }
  }
}
