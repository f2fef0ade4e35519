import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import { readPollingOffset, savePollingOffset } from '../setup/setup.repository';
import { WebhookSecretInvalidError } from '../shared/notifier.errors';
import type { BotAccount } from '../telegram/bot-account';
import type { UpdateHandler } from './update.handler';

/** The path Telegram POSTs updates to (through the gateway, the one anonymous route of the notifier). */
export const WEBHOOK_PATH = '/api/telegram/webhook';

/**
 * Telegram's `secret_token` for setWebhook, derived from the encryption key: stable across restarts,
 * never stored, and only [A-Za-z0-9_-] as Telegram requires.
 */
export function webhookSecretOf(encryptionKey: string): string {
  return createHmac('sha256', encryptionKey)
    .update('arasul telegram webhook secret token')
    .digest('base64url');
}

const updateId = z.object({ update_id: z.number().int().nonnegative() });

/**
 * Webhook mode: updates arrive as POSTs with `X-Telegram-Bot-Api-Secret-Token`. A wrong or missing
 * secret is refused (401). Updates are handled one at a time; the stored offset makes a redelivered
 * update (Telegram retries when it sees no 200 in time) a no-op, as in polling mode.
 */
export class UpdateWebhook {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly account: BotAccount,
    private readonly handler: UpdateHandler,
    private readonly secret: string,
    private readonly logger: Logger,
  ) {}

  checkSecret(header: string | undefined): void {
    const given = Buffer.from(header ?? '');
    const expected = Buffer.from(this.secret);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      this.logger.warn('telegram webhook call with a wrong secret token');
      throw new WebhookSecretInvalidError();
    }
  }

  /** Handles one update (in order with the others); resolves when it is handled or skipped. */
  receive(update: unknown): Promise<void> {
    const run = this.queue.then(() => this.handleOne(update));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async handleOne(update: unknown): Promise<void> {
    const parsed = updateId.safeParse(update);
    if (!parsed.success) return;
    const id = parsed.data.update_id;
    if (id < (await readPollingOffset(this.db))) return;
    const bot = await this.account.current();
    if (!bot) return;
    try {
      await this.handler.handle(update, bot.client, bot.client.telegram.token);
    } catch (error) {
      this.logger.warn('telegram update failed', { ...errorMeta(error), updateId: id });
    }
    await savePollingOffset(this.db, id + 1);
  }
}
