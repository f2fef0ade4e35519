import { BotApiError, type BotClient } from '../telegram/telegram.client';

const ATTEMPTS = 4;

/**
 * Runs a Bot API call for a person; when Telegram says 429 (the chat just got an alert from the outbox,
 * say), waits what it says (up to 5 s each time) and tries again, a few times.
 */
export async function patiently<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof BotApiError) || error.kind !== 'rate_limited' || attempt >= ATTEMPTS)
        throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.min(5, error.retryAfterSeconds ?? 1) * 1000));
    }
  }
}

/** A message to a person, patient with 429s. */
export function reply(
  client: BotClient,
  chatId: string,
  text: string,
  options: Parameters<BotClient['sendMessage']>[2] = {},
): Promise<number> {
  return patiently(() => client.sendMessage(chatId, text, options));
}
