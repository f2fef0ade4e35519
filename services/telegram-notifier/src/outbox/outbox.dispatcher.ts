import type { Kysely } from 'kysely';
import type { Database, NotificationEvent } from '@arasul/db';
import type { HealthCheck } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { SecretBox } from '../shared/secret-box';
import type { BotAccount } from '../telegram/bot-account';
import { BotApiError } from '../telegram/telegram.client';
import { postWebhook } from '../webhooks/webhook.sender';
import { findWebhook } from '../webhooks/webhooks.repository';
import { formatGroupMessage, formatMessage } from './message.format';
import {
  findById,
  findDue,
  findDueFollowers,
  logTelegramMessage,
  markFailed,
  markSent,
  recentDeliveries,
  reschedule,
} from './outbox.repository';
import { RateLimiter } from './rate-limiter';

export interface DispatcherOptions {
  intervalMs: number;
  batch: number;
  maxAttempts: number;
  webhookTimeoutMs: number;
}

/** 5 s doubling up to one hour. */
export function backoffMs(attempt: number): number {
  return Math.min(5000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

/**
 * The outbox worker: sends due `notification_events` rows, one destination at a time in order, within
 * Telegram's limits; on 429 waits what Telegram says, on failure backs off, and after the last attempt
 * marks the row failed with the reason. A row is marked sent in the same moment its send returns, so a
 * restart resumes with what was not sent (only a message in flight at a hard kill can go twice).
 */
export class OutboxDispatcher {
  readonly limiter = new RateLimiter();
  private readonly inFlight = new Set<number>();
  private readonly busyDestinations = new Set<string>();
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private ticking = false;
  private lastTickAt: Date | null = null;
  private lastError: string | null = null;
  sentCount = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bot: BotAccount,
    private readonly box: () => SecretBox | null,
    private readonly logger: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  async start(): Promise<void> {
    for (const row of await recentDeliveries(this.db))
      this.limiter.record(row.chat_id, row.sent_at.getTime());
    this.schedule(0);
  }

  /** Look now (after routing wrote rows). */
  wake(): void {
    if (!this.stopped && !this.ticking) this.schedule(0);
  }

  /** Stops looking for work and waits for sends in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    while (this.running.size > 0 || this.ticking)
      await Promise.all([...this.running, new Promise((r) => setTimeout(r, 10))]);
  }

  healthCheck(): HealthCheck {
    return {
      name: 'outbox',
      critical: false,
      check: () =>
        Promise.resolve({
          ok: true,
          lastTickAt: this.lastTickAt?.toISOString() ?? null,
          inFlight: this.inFlight.size,
          sent: this.sentCount,
          lastError: this.lastError,
        }),
    };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.ticking) return;
    this.ticking = true;
    let nextDelay = this.options.intervalMs;
    try {
      this.lastTickAt = new Date();
      const due = await findDue(this.db, this.options.batch, [...this.inFlight]);
      const firstPerDestination = new Map<string, NotificationEvent>();
      for (const row of due) {
        const destination = row.destination ?? '';
        if (!firstPerDestination.has(destination) && !this.busyDestinations.has(destination)) {
          firstPerDestination.set(destination, row);
        }
      }
      for (const [destination, row] of firstPerDestination) {
        if (destination.startsWith('telegram:')) {
          const wait = this.limiter.waitMs(destination.slice('telegram:'.length));
          if (wait > 0) {
            nextDelay = Math.min(nextDelay, Math.max(20, wait));
            continue;
          }
          this.limiter.recordGlobal();
        }
        this.launch(destination, row);
      }
    } catch (error) {
      this.lastError = error instanceof Error ? error.message : 'tick failed';
      this.logger.warn('outbox tick failed', errorMeta(error));
    } finally {
      this.ticking = false;
      this.schedule(nextDelay);
    }
  }

  private launch(destination: string, row: NotificationEvent): void {
    this.busyDestinations.add(destination);
    this.inFlight.add(row.id);
    const work = this.deliver(destination, row)
      .catch((error: unknown) => {
        this.lastError = error instanceof Error ? error.message : 'delivery failed';
        this.logger.warn('outbox delivery failed', { ...errorMeta(error), id: row.id });
      })
      .finally(() => {
        this.busyDestinations.delete(destination);
        this.inFlight.delete(row.id);
        this.running.delete(work);
        this.wake();
      });
    this.running.add(work);
  }

  private async deliver(destination: string, row: NotificationEvent): Promise<void> {
    if (destination.startsWith('telegram:')) await this.deliverTelegram(destination.slice(9), row);
    else if (destination.startsWith('webhook:')) await this.deliverWebhook(Number(destination.slice(8)), row);
    else await markFailed(this.db, [row.id], `unknown destination ${destination}`);
  }

  private async deliverTelegram(chatId: string, row: NotificationEvent): Promise<void> {
    const rows = row.group_leader_id === null ? [row] : await findDueFollowers(this.db, row.group_leader_id);
    if (rows.length === 0) return;
    const ids = rows.map((r) => r.id);
    const bot = await this.bot.current();
    if (!bot) {
      await markFailed(this.db, ids, 'telegram_not_configured');
      return;
    }
    const text = row.group_leader_id === null ? formatMessage(row) : formatGroupMessage(rows);
    let replyTo: number | undefined;
    if (row.reply_to_event_id !== null) {
      replyTo = (await findById(this.db, row.reply_to_event_id))?.telegram_message_id ?? undefined;
    }
    try {
      const messageId = await bot.client
        .sendMessage(chatId, text, { replyTo })
        .finally(() => this.limiter.recordChat(chatId));
      await markSent(this.db, ids, messageId);
      this.sentCount += 1;
      await logTelegramMessage(this.db, {
        chatId,
        type: row.event_type,
        severity: row.severity,
        title: row.title,
        text,
        messageId,
        delivered: true,
        error: null,
        sourceEventId: row.id,
        triggeredBy: 'notifier',
      });
    } catch (error) {
      const apiError = error instanceof BotApiError ? error : new BotApiError('unavailable', String(error));
      await this.handleFailure(ids, row.retry_count, apiError);
      await logTelegramMessage(this.db, {
        chatId,
        type: row.event_type,
        severity: row.severity,
        title: row.title,
        text,
        messageId: null,
        delivered: false,
        error: apiError.message.slice(0, 1000),
        sourceEventId: row.id,
        triggeredBy: 'notifier',
      });
      if (apiError.kind === 'rate_limited')
        this.limiter.pause(chatId, (apiError.retryAfterSeconds ?? 1) * 1000);
    }
  }

  private async handleFailure(ids: number[], retryCount: number, error: BotApiError): Promise<void> {
    if (error.kind === 'rate_limited') {
      await reschedule(
        this.db,
        ids,
        (error.retryAfterSeconds ?? 1) * 1000,
        `rate limited: ${error.message}`,
        false,
      );
      return;
    }
    if (error.kind === 'rejected') {
      await markFailed(this.db, ids, error.message);
      return;
    }
    const attempt = retryCount + 1;
    if (attempt >= this.options.maxAttempts) {
      await markFailed(this.db, ids, `gave up after ${String(attempt)} attempts: ${error.message}`);
      return;
    }
    await reschedule(this.db, ids, backoffMs(attempt), error.message, true);
  }

  private async deliverWebhook(id: number, row: NotificationEvent): Promise<void> {
    const webhook = await findWebhook(this.db, id);
    const box = this.box();
    if (!webhook || !webhook.enabled || !box) {
      await markFailed(this.db, [row.id], webhook ? 'webhook disabled or key missing' : 'webhook deleted');
      return;
    }
    const secret = box.open(
      { ciphertext: webhook.secret_encrypted, iv: webhook.secret_iv, tag: webhook.secret_tag },
      'notification_webhooks.secret',
    );
    const result = await postWebhook(
      webhook.url,
      secret,
      {
        id: row.envelope_id,
        notificationId: row.id,
        type: row.event_type,
        severity: row.severity,
        subject: row.subject,
        title: row.title,
        message: row.message,
        createdAt: row.created_at.toISOString(),
      },
      this.options.webhookTimeoutMs,
    );
    if (result.delivered) {
      await markSent(this.db, [row.id], null);
      this.sentCount += 1;
      return;
    }
    const attempt = row.retry_count + 1;
    if (result.permanent || attempt >= this.options.maxAttempts) {
      await markFailed(this.db, [row.id], result.error ?? 'webhook failed');
    } else {
      await reschedule(this.db, [row.id], backoffMs(attempt), result.error, true);
    }
  }
}
