import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '@arasul/db';
import type { Logger } from '@arasul/service-kit/logger';
import { findChat } from '../setup/setup.repository';
import type { SetupService } from '../setup/setup.service';
import type { BotClient } from '../telegram/telegram.client';
import type { AskFlow } from './ask.flow';
import type { BotCommands } from './bot.commands';
import { findLinkedIdentity } from './bot.repository';
import { reply } from './reply';
import type { RestartFlow } from './restart.flow';

const chatShape = z.object({
  id: z.number().int(),
  type: z.enum(['private', 'group', 'supergroup', 'channel']),
  title: z.string().optional(),
  first_name: z.string().optional(),
});

const updateSchema = z.object({
  update_id: z.number().int(),
  message: z
    .object({ message_id: z.number().int(), chat: chatShape, text: z.string().optional() })
    .optional(),
  callback_query: z
    .object({
      id: z.string(),
      data: z.string().max(64).optional(),
      message: z.object({ message_id: z.number().int(), chat: chatShape }).optional(),
    })
    .optional(),
});

export interface BotFlows {
  commands: BotCommands;
  restart: RestartFlow;
  ask: AskFlow;
}

const REFUSAL =
  'Sorry, this chat is not linked to this Arasul box. An administrator can link it in the dashboard.';

/**
 * Handles one Bot API update: `/start <code>` links a chat (setup wizard); every other command and every
 * button press counts only in a linked chat — anyone else gets a polite refusal and a log line.
 */
export class UpdateHandler {
  /** Answers still being streamed (tests and shutdown wait for them). */
  readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly setup: SetupService,
    private readonly logger: Logger,
    private readonly flows: BotFlows,
  ) {}

  async handle(raw: unknown, client: BotClient, token: string): Promise<void> {
    const parsed = updateSchema.safeParse(raw);
    if (!parsed.success) return;
    const { message, callback_query: callback } = parsed.data;
    if (callback) {
      await this.onButton(client, callback);
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
        await reply(
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
      await reply(client, chatId, REFUSAL);
      return;
    }
    const who = await findLinkedIdentity(this.db, chat.user_id);
    switch (name) {
      case '/ask':
      case '/docs':
        this.track(this.flows.ask.run(client, chatId, who, args.join(' '), name === '/docs'));
        return;
      case '/restart':
        await this.flows.restart.ask(client, chatId, who, args[0]);
        return;
      default:
        await reply(client, chatId, await this.flows.commands.answer(name, args, who));
    }
  }

  /** Waits for the streamed answers in progress. */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onButton(
    client: BotClient,
    callback: NonNullable<z.infer<typeof updateSchema>['callback_query']>,
  ): Promise<void> {
    const chatId = callback.message === undefined ? null : String(callback.message.chat.id);
    const chat = chatId === null ? undefined : await findChat(this.db, chatId);
    if (chatId === null || !chat || callback.data === undefined) {
      this.logger.warn('telegram button press from an unauthorized chat', { chatId });
      await client.answerCallbackQuery(callback.id, 'Not allowed.').catch(() => undefined);
      return;
    }
    await this.flows.restart.onButton(client, {
      id: callback.id,
      data: callback.data,
      chatId,
      messageId: callback.message?.message_id ?? null,
    });
  }
}
