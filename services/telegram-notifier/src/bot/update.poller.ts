import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { HealthCheck } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import {
  findOpenSetupSession,
  readPollingOffset,
  recordBotError,
  savePollingOffset,
} from '../setup/setup.repository';
import type { BotAccount } from '../telegram/bot-account';
import { BotApiError, type BotClient } from '../telegram/telegram.client';
import type { UpdateHandler } from './update.handler';

/** Long polling, or (with PUBLIC_URL) Telegram calls our webhook and the poller only keeps it registered. */
export type UpdateMode = { kind: 'polling' } | { kind: 'webhook'; url: string; secret: string };

/** How often the webhook registration is checked again when nothing changed. */
const WEBHOOK_RECHECK_MS = 10 * 60_000;

/**
 * Long polling. It polls the bot of an open setup session (until someone presses Start) or else the
 * configured bot, whose offset is stored after every handled update: after a restart nothing is handled
 * twice or skipped.
 */
export class UpdatePoller {
  private stopped = false;
  private abort = new AbortController();
  private loop: Promise<void> | null = null;
  private lastPollAt: Date | null = null;
  private lastError: string | null = null;
  private setupOffsets = new Map<number, number>();
  /** The token the webhook is registered for (webhook mode); a setup change clears it. */
  private webhookFor: string | null = null;
  /** Setup sessions whose bot had its webhook removed so it can be polled. */
  private unhooked = new Set<number>();

  constructor(
    private readonly db: Kysely<Database>,
    private readonly account: BotAccount,
    private readonly handler: UpdateHandler,
    private readonly logger: Logger,
    private readonly pollTimeoutS: number,
    readonly mode: UpdateMode = { kind: 'polling' },
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** Something changed (a setup began, the bot was forgotten): end the current long poll and look again. */
  restartPoll(): void {
    this.webhookFor = null;
    this.abort.abort();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    await this.loop;
  }

  healthCheck(): HealthCheck {
    return {
      name: 'telegram-updates',
      critical: false,
      check: () =>
        Promise.resolve({
          ok: true,
          lastPollAt: this.lastPollAt?.toISOString() ?? null,
          lastError: this.lastError,
        }),
    };
  }

  /** A method, not the field, so the loop re-reads it after every await. */
  private isStopped(): boolean {
    return this.stopped;
  }

  private async run(): Promise<void> {
    while (!this.isStopped()) {
      this.abort = new AbortController();
      try {
        const polled = await this.pollOnce(this.abort.signal);
        if (!polled) await this.sleep(1000);
      } catch (error) {
        if (this.isStopped()) break;
        if (this.abort.signal.aborted) continue;
        this.lastError = error instanceof Error ? error.message : 'poll failed';
        this.logger.warn('telegram polling failed', errorMeta(error));
        await recordBotError(this.db, this.lastError).catch(() => undefined);
        await this.sleep(3000);
      }
    }
  }

  private async pollOnce(signal: AbortSignal): Promise<boolean> {
    const session = this.account.box ? await findOpenSetupSession(this.db) : undefined;
    let client: BotClient;
    let token: string;
    let offset: number;
    let persist: (next: number) => Promise<void>;
    if (session !== undefined && session.bot_token_encrypted !== null) {
      token = this.account.openSetupToken(session.bot_token_encrypted);
      client = this.account.clientFor(token);
      // A bot set up again may still have a webhook: getUpdates answers 409 until it is removed.
      if (!this.unhooked.has(session.id)) {
        await client.deleteWebhook();
        this.unhooked.add(session.id);
      }
      offset = this.setupOffsets.get(session.id) ?? 0;
      const id = session.id;
      persist = async (next) => {
        this.setupOffsets.set(id, next);
        // Once Start completed the setup, this bot is the configured one: it continues from here.
        await savePollingOffset(this.db, next);
      };
    } else {
      const bot = await this.account.current();
      if (!bot) return false;
      if (this.mode.kind === 'webhook') {
        await this.registerWebhook(bot.client, this.mode);
        await this.sleep(WEBHOOK_RECHECK_MS);
        return true;
      }
      client = bot.client;
      token = '';
      offset = await readPollingOffset(this.db);
      persist = (next) => savePollingOffset(this.db, next);
    }
    const updates = await client
      .getUpdates(offset, this.pollTimeoutS, signal)
      .catch(async (error: unknown) => {
        // 409: a webhook is still set (webhook mode before, PUBLIC_URL since removed); polling takes over.
        if (error instanceof BotApiError && error.status === 409) {
          await client.deleteWebhook();
          return [];
        }
        throw error;
      });
    this.lastPollAt = new Date();
    for (const update of updates) {
      const id = (update as { update_id?: unknown }).update_id;
      if (typeof id !== 'number') continue;
      try {
        await this.handler.handle(update, client, token === '' ? await this.currentToken() : token);
      } catch (error) {
        // One bad update must not block the ones after it; it is logged and skipped.
        this.logger.warn('telegram update failed', { ...errorMeta(error), updateId: id });
      }
      await persist(id + 1);
    }
    return true;
  }

  private async registerWebhook(
    client: BotClient,
    mode: Extract<UpdateMode, { kind: 'webhook' }>,
  ): Promise<void> {
    const token = client.telegram.token;
    if (this.webhookFor === token) return;
    await client.setWebhook(mode.url, mode.secret);
    this.webhookFor = token;
    this.lastPollAt = new Date();
    this.logger.info('telegram webhook registered', { url: mode.url });
  }

  private async currentToken(): Promise<string> {
    const bot = await this.account.current();
    return bot?.client.telegram.token ?? '';
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.abort.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
  }
}
