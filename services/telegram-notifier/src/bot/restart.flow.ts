import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { serviceNameSchema } from '@arasul/contracts/http/self-healing';
import type { Database } from '@arasul/db';
import { recordAudit } from '@arasul/service-kit/audit';
import type { Identity } from '@arasul/service-kit/auth';
import type { Logger } from '@arasul/service-kit/logger';
import type { BotClient } from '../telegram/telegram.client';
import { findLinkedIdentity } from './bot.repository';
import type { PlatformClient } from './platform.client';
import { patiently, reply } from './reply';

interface PendingRestart {
  chatId: string;
  service: string;
  userId: number;
  expiresAt: number;
}

const MAX_PENDING = 100;

/**
 * `/restart <service>`: only in a chat linked by an admin; the bot asks first (inline buttons), the press
 * is answered with answerCallbackQuery, the restart goes through the self-healing agent's API as that
 * admin, and every attempt is in the audit log. A confirmation is bound to its chat and expires.
 */
export class RestartFlow {
  private readonly pending = new Map<string, PendingRestart>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly platform: PlatformClient,
    private readonly logger: Logger,
    private readonly ttlMs = 120_000,
    private readonly now: () => number = Date.now,
  ) {}

  async ask(
    client: BotClient,
    chatId: string,
    who: Identity | undefined,
    arg: string | undefined,
  ): Promise<void> {
    if (who?.role !== 'admin') {
      this.logger.warn('telegram /restart refused: the chat is not linked to an admin', {
        chatId,
        userId: who?.userId,
      });
      await reply(client, chatId, 'Sorry, only a chat linked by an administrator may restart services.');
      return;
    }
    const service = serviceNameSchema.safeParse(arg);
    if (!service.success) {
      await reply(client, chatId, 'Usage: /restart <service>, e.g. /restart llm-queue (see /services)');
      return;
    }
    this.prune();
    const token = randomBytes(9).toString('base64url');
    this.pending.set(token, {
      chatId,
      service: service.data,
      userId: who.userId,
      expiresAt: this.now() + this.ttlMs,
    });
    await reply(client, chatId, `Restart ${service.data}?`, {
      keyboard: [
        { text: `🔄 Restart ${service.data}`, data: `restart:${token}` },
        { text: 'Cancel', data: `cancel:${token}` },
      ],
    });
  }

  /** A button press; `data` is what the bot put on the button. */
  async onButton(
    client: BotClient,
    press: { id: string; data: string; chatId: string; messageId: number | null },
  ): Promise<void> {
    const [verb, token = ''] = press.data.split(':', 2);
    const pending = this.pending.get(token);
    if (!pending || pending.chatId !== press.chatId || pending.expiresAt < this.now()) {
      await client.answerCallbackQuery(press.id, 'This confirmation has expired.');
      return;
    }
    this.pending.delete(token);
    const { messageId } = press;
    const edit = (text: string) =>
      messageId === null
        ? reply(client, press.chatId, text).then(() => undefined)
        : patiently(() => client.editMessageText(press.chatId, messageId, text));
    if (verb !== 'restart') {
      await client.answerCallbackQuery(press.id, 'Cancelled');
      await edit(`Restart of ${pending.service} cancelled.`);
      return;
    }
    const who = await findLinkedIdentity(this.db, pending.userId);
    if (who?.role !== 'admin') {
      this.logger.warn('telegram restart refused: the linking user is no admin any more', {
        chatId: press.chatId,
        userId: pending.userId,
      });
      await client.answerCallbackQuery(press.id, 'Not allowed.');
      return;
    }
    await client.answerCallbackQuery(press.id, `Restarting ${pending.service}…`);
    await edit(`🔄 Restarting ${pending.service}…`);
    const audit = (status: 'success' | 'failure', details: Record<string, unknown>) =>
      recordAudit(this.db, {
        actor: who,
        action: 'telegram.service.restart',
        outcome: status,
        target: { type: 'service', id: pending.service },
        details: { chatId: press.chatId, via: 'telegram', ...details },
      });
    try {
      const result = await this.platform.restart(who, pending.service);
      await audit('success', { state: result.state });
      this.logger.info('service restarted from telegram', {
        service: pending.service,
        userId: who.userId,
        chatId: press.chatId,
      });
      await edit(`✅ ${pending.service} restarted (now ${result.state}).`);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'failed';
      await audit('failure', { error: message.slice(0, 500) });
      this.logger.warn('telegram restart failed', { service: pending.service, error: message });
      await edit(`❌ Restart of ${pending.service} failed: ${message.slice(0, 300)}`);
    }
  }

  private prune(): void {
    const at = this.now();
    for (const [token, p] of this.pending) if (p.expiresAt < at) this.pending.delete(token);
    while (this.pending.size >= MAX_PENDING) {
      const oldest = this.pending.keys().next().value;
      if (oldest === undefined) break;
      this.pending.delete(oldest);
    }
  }
}
