/**
 * Telegram's limits (https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 * about one message a second per chat, 20 a minute per group, 30 a second overall. Sliding windows with a
 * safety margin, because the moment Telegram counts is when our request arrives, not when we sent it.
 * One notifier instance sends; at start it is seeded from the message log so a restart does not burst.
 */
export interface RateLimits {
  perChatIntervalMs: number;
  groupPerMinute: number;
  globalPerSecond: number;
  marginMs: number;
}

export const TELEGRAM_LIMITS: RateLimits = {
  perChatIntervalMs: 1000,
  groupPerMinute: 20,
  globalPerSecond: 30,
  marginMs: 150,
};

export class RateLimiter {
  private readonly perChat = new Map<string, number[]>();
  private readonly global: number[] = [];
  private readonly pausedUntil = new Map<string, number>();

  constructor(
    private readonly limits: RateLimits = TELEGRAM_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Milliseconds until a message to `chatId` may go; 0 means now. */
  waitMs(chatId: string): number {
    const now = this.clock();
    const { perChatIntervalMs, groupPerMinute, globalPerSecond, marginMs } = this.limits;
    let wait = Math.max(0, (this.pausedUntil.get(chatId) ?? 0) - now);
    const times = this.prune(chatId, now);
    const last = times.at(-1);
    if (last !== undefined) wait = Math.max(wait, last + perChatIntervalMs + marginMs - now);
    if (chatId.startsWith('-') && times.length >= groupPerMinute) {
      const oldest = times[times.length - groupPerMinute] ?? now;
      wait = Math.max(wait, oldest + 60_000 + marginMs - now);
    }
    while (this.global.length > 0 && (this.global[0] ?? now) <= now - 1000 - marginMs) this.global.shift();
    if (this.global.length >= globalPerSecond) {
      const oldest = this.global[this.global.length - globalPerSecond] ?? now;
      wait = Math.max(wait, oldest + 1000 + marginMs - now);
    }
    return wait;
  }

  /** Counts a message to `chatId` as sent at `at` (default now). */
  record(chatId: string, at = this.clock()): void {
    this.recordGlobal(at);
    this.recordChat(chatId, at);
  }

  /** A send starts: it counts against the bot's per-second budget from now. */
  recordGlobal(at = this.clock()): void {
    this.global.push(at);
    this.global.sort((a, b) => a - b);
  }

  /**
   * Telegram answered a send to `chatId`. Counting the chat's interval from the answer, not from the
   * start, keeps the spacing even when a request was slow to arrive (Telegram counts arrivals).
   */
  recordChat(chatId: string, at = this.clock()): void {
    const times = this.perChat.get(chatId) ?? [];
    times.push(at);
    times.sort((a, b) => a - b);
    this.perChat.set(chatId, times);
  }

  /** Telegram said 429 retry_after: nothing more to that chat until then. */
  pause(chatId: string, ms: number): void {
    this.pausedUntil.set(chatId, this.clock() + ms);
  }

  private prune(chatId: string, now: number): number[] {
    const times = (this.perChat.get(chatId) ?? []).filter((t) => t > now - 60_000 - this.limits.marginMs);
    if (times.length === 0) this.perChat.delete(chatId);
    else this.perChat.set(chatId, times);
    return times;
  }
}
