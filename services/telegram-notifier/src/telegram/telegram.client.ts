import { Telegram } from 'telegraf';
import { z } from 'zod';

/** telegraf types its signal with an old shim; node-fetch takes the platform's AbortSignal as it is. */
type ApiSignal = NonNullable<Parameters<Telegram['callApi']>[2]>['signal'];
const apiSignal = (signal: AbortSignal): ApiSignal => signal as unknown as ApiSignal;

/** How a Bot API call failed, decided once here so callers branch on a kind, not on telegraf's errors. */
export class BotApiError extends Error {
  constructor(
    readonly kind: 'rate_limited' | 'unavailable' | 'rejected' | 'unauthorized',
    message: string,
    readonly retryAfterSeconds: number | null = null,
    readonly status: number | null = null,
  ) {
    super(message);
    this.name = 'BotApiError';
  }
}

const telegramErrorShape = z.object({
  response: z.object({
    error_code: z.number(),
    description: z.string().optional(),
    parameters: z.object({ retry_after: z.number().optional() }).optional(),
  }),
});

const getMeShape = z.object({ id: z.number(), username: z.string().min(1), is_bot: z.literal(true) });
const sentShape = z.object({ message_id: z.number().int() });

export function toBotApiError(error: unknown): BotApiError {
  const parsed = telegramErrorShape.safeParse(error);
  if (parsed.success) {
    const { error_code: code, description = '', parameters } = parsed.data.response;
    if (code === 429) {
      return new BotApiError('rate_limited', description, parameters?.retry_after ?? 1, code);
    }
    if (code === 401 || code === 404)
      return new BotApiError('unauthorized', description || 'Unauthorized', null, code);
    if (code >= 500) return new BotApiError('unavailable', description || `HTTP ${String(code)}`, null, code);
    return new BotApiError('rejected', description || `HTTP ${String(code)}`, null, code);
  }
  const message = error instanceof Error ? error.message : 'request failed';
  return new BotApiError('unavailable', message.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot<token>'));
}

/** The Bot API calls the notifier makes, through telegraf's client, each bounded by a timeout. */
export class BotClient {
  readonly telegram: Telegram;

  constructor(
    token: string,
    apiRoot: string,
    private readonly timeoutMs: number,
  ) {
    this.telegram = new Telegram(token, { apiRoot, webhookReply: false });
  }

  private async call<T>(run: (signal: AbortSignal) => Promise<T>, timeoutMs = this.timeoutMs): Promise<T> {
    try {
      return await run(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      throw toBotApiError(error);
    }
  }

  async getMe(): Promise<{ id: number; username: string }> {
    const me = await this.call((signal) => this.telegram.callApi('getMe', {}, { signal: apiSignal(signal) }));
    const parsed = getMeShape.safeParse(me);
    if (!parsed.success) throw new BotApiError('unavailable', 'getMe answered an unexpected shape');
    return parsed.data;
  }

  async sendMessage(
    chatId: string,
    text: string,
    options: { replyTo?: number; keyboard?: { text: string; data: string }[] } = {},
  ): Promise<number> {
    const result = await this.call((signal) =>
      this.telegram.callApi(
        'sendMessage',
        {
          chat_id: chatId,
          text,
          link_preview_options: { is_disabled: true },
          ...(options.replyTo === undefined
            ? {}
            : { reply_parameters: { message_id: options.replyTo, allow_sending_without_reply: true } }),
          ...(options.keyboard === undefined
            ? {}
            : {
                reply_markup: {
                  inline_keyboard: [options.keyboard.map((b) => ({ text: b.text, callback_data: b.data }))],
                },
              }),
        },
        { signal: apiSignal(signal) },
      ),
    );
    const parsed = sentShape.safeParse(result);
    if (!parsed.success) throw new BotApiError('unavailable', 'sendMessage answered an unexpected shape');
    return parsed.data.message_id;
  }

  async editMessageText(chatId: string, messageId: number, text: string): Promise<void> {
    await this.call((signal) =>
      this.telegram.callApi(
        'editMessageText',
        { chat_id: chatId, message_id: messageId, text },
        { signal: apiSignal(signal) },
      ),
    );
  }

  async answerCallbackQuery(id: string, text?: string): Promise<void> {
    await this.call((signal) =>
      this.telegram.callApi(
        'answerCallbackQuery',
        { callback_query_id: id, ...(text === undefined ? {} : { text }) },
        { signal: apiSignal(signal) },
      ),
    );
  }

  async getUpdates(offset: number, timeoutSeconds: number, signal?: AbortSignal): Promise<unknown[]> {
    const result = await this.call(
      (timeout) =>
        this.telegram.callApi(
          'getUpdates',
          { offset, timeout: timeoutSeconds, limit: 100, allowed_updates: ['message', 'callback_query'] },
          { signal: apiSignal(signal ? AbortSignal.any([signal, timeout]) : timeout) },
        ),
      timeoutSeconds * 1000 + this.timeoutMs,
    );
    return Array.isArray(result) ? (result as unknown[]) : [];
  }

  async setWebhook(url: string, secretToken: string): Promise<void> {
    await this.call((signal) =>
      this.telegram.callApi(
        'setWebhook',
        { url, secret_token: secretToken, allowed_updates: ['message', 'callback_query'] },
        { signal: apiSignal(signal) },
      ),
    );
  }

  async deleteWebhook(): Promise<void> {
    await this.call((signal) => this.telegram.callApi('deleteWebhook', {}, { signal: apiSignal(signal) }));
  }
}
