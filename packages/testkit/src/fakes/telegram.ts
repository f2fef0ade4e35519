/**
 * A wire-level fake of the Telegram Bot API, following Bot API 9.2 (https://core.telegram.org/bots/api,
 * August 2025): `POST|GET <root>/bot<token>/<method>` with JSON or form bodies, answers
 * `{"ok":true,"result":…}` or `{"ok":false,"error_code":…,"description":…,"parameters"?:{retry_after}}`,
 * and HTTP 5xx with an HTML body the way Telegram's front servers fail. Every response carries
 * `X-Fake-Telegram-Bot-Api: 9.2` so a test can tell it is not talking to the real thing.
 *
 * Implemented: getMe, getUpdates (long polling with `offset`/`limit`/`timeout`, earlier updates confirmed
 * by a higher offset, 409 while a webhook is set or another poll is waiting), sendMessage,
 * editMessageText, answerCallbackQuery, setWebhook (updates are then POSTed to the URL with
 * `X-Telegram-Bot-Api-Secret-Token`), deleteWebhook, getWebhookInfo.
 *
 * Scripting: `failNext(method, …)` answers the next calls with a 429 (`retry_after`) or any status;
 * `enforceLimits` answers 429 itself when a chat gets more than one message a second, a group more than
 * 20 a minute or the bot more than 30 a second (Telegram's documented limits), and `limitViolations()`
 * reports any such excess whether enforced or not. A user "writes" to the bot with `userSends`, presses a
 * button with `pressButton`; both become updates.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAKE_TELEGRAM_BOT_API_VERSION = '9.2';
export const FAKE_TELEGRAM_HEADER = 'x-fake-telegram-bot-api';

export interface FakeBot {
  token: string;
  id: number;
  username: string;
  firstName: string;
}

export interface FakeChat {
  id: number;
  type: 'private' | 'group' | 'supergroup';
  title?: string;
  firstName?: string;
  username?: string;
}

export interface FakeSentMessage {
  token: string;
  chatId: number;
  messageId: number;
  text: string;
  parseMode: string | null;
  replyToMessageId: number | null;
  replyMarkup: unknown;
  at: number;
  /** Later texts set by editMessageText, oldest first. */
  edits: string[];
}

export interface FakeRequest {
  token: string;
  method: string;
  body: Record<string, unknown>;
  at: number;
  status: number;
}

export type FakeTelegramFailure =
  | { kind: 'retry_after'; seconds: number }
  | { kind: 'http'; status: number; description?: string };

interface BotState {
  bot: FakeBot;
  updates: Record<string, unknown>[];
  nextUpdateId: number;
  webhook: { url: string; secretToken: string | null } | null;
  polling: ServerResponse | null;
  waiters: Set<() => void>;
}

export interface FakeTelegramOptions {
  /** Answer 429 (retry_after 1) when a send would exceed Telegram's per-chat, per-group or global limit. */
  enforceLimits?: boolean;
}

type Json = Record<string, unknown>;

const PER_CHAT_INTERVAL_MS = 1000;
const GROUP_PER_MINUTE = 20;
const GLOBAL_PER_SECOND = 30;

export class FakeTelegramBotApi {
  readonly sent: FakeSentMessage[] = [];
  readonly requests: FakeRequest[] = [];
  readonly callbackAnswers: { token: string; callbackQueryId: string; text: string | null }[] = [];
  enforceLimits: boolean;
  private readonly bots = new Map<string, BotState>();
  private readonly chats = new Map<number, FakeChat>();
  private readonly failures = new Map<string, FakeTelegramFailure[]>();
  private readonly sockets = new Set<Socket>();
  private nextMessageId = 1000;
  private nextUserId = 5000;

  private constructor(
    private readonly server: Server,
    options: FakeTelegramOptions,
  ) {
    this.enforceLimits = options.enforceLimits ?? false;
  }

  static async start(options: FakeTelegramOptions = {}): Promise<FakeTelegramBotApi> {
    const holder: { fake?: FakeTelegramBotApi } = {};
    const server = createServer((req, res) => {
      holder.fake?.handle(req, res);
    });
    const created = new FakeTelegramBotApi(server, options);
    holder.fake = created;
    server.on('connection', (socket) => {
      created.sockets.add(socket);
      socket.on('close', () => created.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return created;
  }

  /** The `apiRoot` to give telegraf. */
  get url(): string {
    const address = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${address.port}`;
  }

  /** Registers a bot; the token has Telegram's shape `<id>:<35 characters>`. */
  addBot(username = 'arasul_test_bot'): FakeBot {
    const id = 7_000_000_000 + this.bots.size;
    const bot: FakeBot = {
      token: `${id}:${randomUUID().replaceAll('-', '').slice(0, 35).padEnd(35, 'x')}`,
      id,
      username,
      firstName: 'Arasul',
    };
    this.bots.set(bot.token, {
      bot,
      updates: [],
      nextUpdateId: 100_000,
      webhook: null,
      polling: null,
      waiters: new Set(),
    });
    return bot;
  }

  /** Answers the next `count` calls of `method` with the failure instead of doing the work. */
  failNext(method: string, failure: FakeTelegramFailure, count = 1): void {
    const queue = this.failures.get(method) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(failure);
    this.failures.set(method, queue);
  }

  /** A chat the bot may write to without an update (as if someone had pressed Start long ago). */
  addChat(chat: FakeChat): void {
    this.chats.set(chat.id, chat);
  }

  /** A person (or a group member) writes `text` to the bot; returns the update id. */
  userSends(token: string, chat: FakeChat, text: string, fromId?: number): number {
    this.chats.set(chat.id, chat);
    const from = {
      id: fromId ?? (chat.type === 'private' ? chat.id : (this.nextUserId += 1)),
      is_bot: false,
      first_name: chat.firstName ?? 'Office',
    };
    const message: Json = {
      message_id: (this.nextMessageId += 1),
      from,
      chat: chatJson(chat),
      date: Math.floor(Date.now() / 1000),
      text,
    };
    if (text.startsWith('/')) {
      const length = text.split(/\s/, 1)[0]?.length ?? text.length;
      message.entities = [{ type: 'bot_command', offset: 0, length }];
    }
    return this.pushUpdate(token, { message });
  }

  /** A person presses an inline button under a message the bot sent. */
  pressButton(token: string, message: FakeSentMessage, data: string): number {
    const chat = this.chats.get(message.chatId) ?? { id: message.chatId, type: 'private' as const };
    return this.pushUpdate(token, {
      callback_query: {
        id: randomUUID(),
        from: { id: chat.id, is_bot: false, first_name: 'Office' },
        chat_instance: String(chat.id),
        data,
        message: {
          message_id: message.messageId,
          chat: chatJson(chat),
          date: Math.floor(message.at / 1000),
          text: message.text,
        },
      },
    });
  }

  /** Messages sent to one chat, in order. */
  sentTo(chatId: number): FakeSentMessage[] {
    return this.sent.filter((m) => m.chatId === chatId);
  }

  /** Updates the bot has not confirmed yet (polling mode). */
  pendingUpdates(token: string): number {
    return this.state(token)?.updates.length ?? 0;
  }

  webhookOf(token: string): { url: string; secretToken: string | null } | null {
    return this.state(token)?.webhook ?? null;
  }

  /** Every moment a send exceeded one of Telegram's limits (whether or not it was refused). */
  limitViolations(): string[] {
    const problems: string[] = [];
    const byChat = new Map<number, number[]>();
    const all = this.sent.map((m) => m.at).sort((a, b) => a - b);
    for (const message of this.sent) {
      const list = byChat.get(message.chatId) ?? [];
      list.push(message.at);
      byChat.set(message.chatId, list);
    }
    for (const [chatId, times] of byChat) {
      times.sort((a, b) => a - b);
      for (let i = 1; i < times.length; i += 1) {
        const gap = (times[i] ?? 0) - (times[i - 1] ?? 0);
        if (gap < PER_CHAT_INTERVAL_MS) problems.push(`chat ${chatId}: two messages ${gap} ms apart`);
        const windowStart = times[i - GROUP_PER_MINUTE];
        if (chatId < 0 && windowStart !== undefined && (times[i] ?? 0) - windowStart < 60_000) {
          problems.push(`group ${chatId}: more than ${GROUP_PER_MINUTE} messages in a minute`);
        }
      }
    }
    for (let i = GLOBAL_PER_SECOND; i < all.length; i += 1) {
      if ((all[i] ?? 0) - (all[i - GLOBAL_PER_SECOND] ?? 0) < 1000) {
        problems.push(`more than ${GLOBAL_PER_SECOND} messages in one second`);
      }
    }
    return problems;
  }

  async stop(): Promise<void> {
    for (const state of this.bots.values()) {
      for (const wake of state.waiters) wake();
    }
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) =>
      this.server.close(() => {
        resolve();
      }),
    );
  }

  // ------------------------------------------------------------------ protocol

  private state(token: string): BotState | undefined {
    return this.bots.get(token);
  }

  private pushUpdate(token: string, content: Json): number {
    const state = this.state(token);
    if (!state) throw new Error('unknown bot token');
    const update = { update_id: (state.nextUpdateId += 1), ...content };
    if (state.webhook) {
      void this.deliverToWebhook(state.webhook, update);
    } else {
      state.updates.push(update);
      for (const wake of state.waiters) wake();
    }
    return update.update_id;
  }

  private async deliverToWebhook(
    webhook: { url: string; secretToken: string | null },
    update: Json,
  ): Promise<void> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (webhook.secretToken !== null) headers['x-telegram-bot-api-secret-token'] = webhook.secretToken;
    // Telegram retries a failed webhook delivery; one retry is enough for tests.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const response = await fetch(webhook.url, {
          method: 'POST',
          headers,
          body: JSON.stringify(update),
          signal: AbortSignal.timeout(5000),
        });
        if (response.ok) return;
      } catch {
        // retried below
      }
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    res.setHeader(FAKE_TELEGRAM_HEADER, FAKE_TELEGRAM_BOT_API_VERSION);
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (!match) {
        reply(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
        return;
      }
      const token = decodeURIComponent(match[1] ?? '');
      const method = match[2] ?? '';
      const body = parseBody(req, Buffer.concat(chunks).toString('utf8'));
      const request: FakeRequest = { token, method, body, at: Date.now(), status: 200 };
      this.requests.push(request);
      const respond = (status: number, payload: Json): void => {
        request.status = status;
        reply(res, status, payload);
      };
      const state = this.state(token);
      if (!state) {
        respond(401, { ok: false, error_code: 401, description: 'Unauthorized' });
        return;
      }
      const failure = this.failures.get(method)?.shift();
      if (failure) {
        if (failure.kind === 'retry_after') {
          respond(429, {
            ok: false,
            error_code: 429,
            description: `Too Many Requests: retry after ${failure.seconds}`,
            parameters: { retry_after: failure.seconds },
          });
        } else if (failure.status >= 500) {
          request.status = failure.status;
          res.writeHead(failure.status, { 'content-type': 'text/html' });
          res.end(
            `<html><body><h1>${failure.status} ${failure.description ?? 'Bad Gateway'}</h1></body></html>`,
          );
        } else {
          respond(failure.status, {
            ok: false,
            error_code: failure.status,
            description: failure.description ?? 'Bad Request',
          });
        }
        return;
      }
      this.dispatch(state, method, body, res, respond);
    });
  }

  private dispatch(
    state: BotState,
    method: string,
    body: Json,
    res: ServerResponse,
    respond: (status: number, payload: Json) => void,
  ): void {
    const ok = (result: unknown): void => {
      respond(200, { ok: true, result });
    };
    const bad = (description: string, status = 400): void => {
      respond(status, { ok: false, error_code: status, description });
    };
    switch (method) {
      case 'getMe':
        ok({
          id: state.bot.id,
          is_bot: true,
          first_name: state.bot.firstName,
          username: state.bot.username,
          can_join_groups: true,
          can_read_all_group_messages: false,
          supports_inline_queries: false,
        });
        return;
      case 'getUpdates':
        this.getUpdates(state, body, res, ok, bad);
        return;
      case 'sendMessage':
        this.sendMessage(state, body, ok, bad, respond);
        return;
      case 'editMessageText': {
        const chatId = Number(body.chat_id);
        const message = this.sent.find(
          (m) =>
            m.token === state.bot.token && m.chatId === chatId && m.messageId === Number(body.message_id),
        );
        if (!message) {
          bad('Bad Request: message to edit not found');
          return;
        }
        const text = typeof body.text === 'string' ? body.text : '';
        if (text === (message.edits.at(-1) ?? message.text)) {
          bad(
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
          return;
        }
        message.edits.push(text);
        ok({
          message_id: message.messageId,
          chat: { id: chatId },
          date: Math.floor(Date.now() / 1000),
          text,
        });
        return;
      }
      case 'answerCallbackQuery':
        this.callbackAnswers.push({
          token: state.bot.token,
          callbackQueryId: String(body.callback_query_id),
          text: typeof body.text === 'string' ? body.text : null,
        });
        ok(true);
        return;
      case 'setWebhook': {
        const url = typeof body.url === 'string' ? body.url : '';
        if (url === '') {
          state.webhook = null;
          ok(true);
          return;
        }
        if (!/^https?:\/\//.test(url)) {
          bad('Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
          return;
        }
        const secretToken = typeof body.secret_token === 'string' ? body.secret_token : null;
        if (secretToken !== null && !/^[A-Za-z0-9_-]{1,256}$/.test(secretToken)) {
          bad('Bad Request: bad webhook: secret token contains unallowed characters');
          return;
        }
        state.webhook = { url, secretToken };
        if (state.polling) {
          reply(state.polling, 409, {
            ok: false,
            error_code: 409,
            description: 'Conflict: terminated by setWebhook request',
          });
          state.polling = null;
        }
        ok(true);
        return;
      }
      case 'deleteWebhook':
        state.webhook = null;
        if (body.drop_pending_updates === true || body.drop_pending_updates === 'true') state.updates = [];
        ok(true);
        return;
      case 'getWebhookInfo':
        ok({ url: state.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: 0 });
        return;
      default:
        bad('Not Found: method not found', 404);
    }
  }

  private getUpdates(
    state: BotState,
    body: Json,
    res: ServerResponse,
    ok: (result: unknown) => void,
    bad: (description: string, status?: number) => void,
  ): void {
    if (state.webhook) {
      bad(
        "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first",
        409,
      );
      return;
    }
    const offset = Number(body.offset ?? 0);
    const limit = Math.min(Math.max(Number(body.limit ?? 100), 1), 100);
    const timeoutS = Math.min(Math.max(Number(body.timeout ?? 0), 0), 50);
    if (offset > 0) state.updates = state.updates.filter((u) => Number(u.update_id) >= offset);
    const take = (): Record<string, unknown>[] =>
      state.updates.filter((u) => Number(u.update_id) >= offset).slice(0, limit);
    const now = take();
    if (now.length > 0 || timeoutS === 0) {
      ok(now);
      return;
    }
    if (state.polling) {
      reply(state.polling, 409, {
        ok: false,
        error_code: 409,
        description:
          'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running',
      });
    }
    state.polling = res;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      state.waiters.delete(wake);
      if (state.polling === res) state.polling = null;
      if (!res.writableEnded) ok(take());
    };
    const wake = (): void => {
      finish();
    };
    const timer = setTimeout(finish, timeoutS * 1000);
    state.waiters.add(wake);
    // The response's close (not the request's, which fires once the body is read): the client went away.
    res.on('close', () => {
      if (!res.writableEnded) {
        done = true;
        clearTimeout(timer);
        state.waiters.delete(wake);
        if (state.polling === res) state.polling = null;
      }
    });
  }

  private sendMessage(
    state: BotState,
    body: Json,
    ok: (result: unknown) => void,
    bad: (description: string, status?: number) => void,
    respond: (status: number, payload: Json) => void,
  ): void {
    const chatId = Number(body.chat_id);
    const chat = this.chats.get(chatId);
    if (!Number.isSafeInteger(chatId) || !chat) {
      bad('Bad Request: chat not found');
      return;
    }
    const text = typeof body.text === 'string' ? body.text : '';
    if (text.trim() === '') {
      bad('Bad Request: message text is empty');
      return;
    }
    if (text.length > 4096) {
      bad('Bad Request: message is too long');
      return;
    }
    const now = Date.now();
    if (this.enforceLimits && this.wouldExceed(state.bot.token, chatId, now)) {
      respond(429, {
        ok: false,
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
      });
      return;
    }
    const replyParameters = body.reply_parameters as { message_id?: unknown } | undefined;
    const replyTo = replyParameters?.message_id ?? body.reply_to_message_id;
    const message: FakeSentMessage = {
      token: state.bot.token,
      chatId,
      messageId: (this.nextMessageId += 1),
      text,
      parseMode: typeof body.parse_mode === 'string' ? body.parse_mode : null,
      replyToMessageId: replyTo === undefined ? null : Number(replyTo),
      replyMarkup: body.reply_markup ?? null,
      at: now,
      edits: [],
    };
    this.sent.push(message);
    ok({
      message_id: message.messageId,
      from: { id: state.bot.id, is_bot: true, first_name: state.bot.firstName, username: state.bot.username },
      chat: chatJson(chat),
      date: Math.floor(now / 1000),
      text,
    });
  }

  private wouldExceed(token: string, chatId: number, now: number): boolean {
    const mine = this.sent.filter((m) => m.token === token);
    const inChat = mine.filter((m) => m.chatId === chatId);
    const last = inChat.at(-1);
    if (last && now - last.at < PER_CHAT_INTERVAL_MS) return true;
    if (chatId < 0 && inChat.filter((m) => now - m.at < 60_000).length >= GROUP_PER_MINUTE) return true;
    return mine.filter((m) => now - m.at < 1000).length >= GLOBAL_PER_SECOND;
  }
}

function chatJson(chat: FakeChat): Json {
  return chat.type === 'private'
    ? { id: chat.id, type: 'private', first_name: chat.firstName ?? 'Office', username: chat.username }
    : { id: chat.id, type: chat.type, title: chat.title ?? 'Office group' };
}

function parseBody(req: IncomingMessage, raw: string): Json {
  const type = req.headers['content-type'] ?? '';
  if (raw === '') return Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
  if (type.includes('application/json')) {
    try {
      const parsed: unknown = JSON.parse(raw);
      return typeof parsed === 'object' && parsed !== null ? (parsed as Json) : {};
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function reply(res: ServerResponse, status: number, payload: Json): void {
  if (res.writableEnded) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(payload));
}
