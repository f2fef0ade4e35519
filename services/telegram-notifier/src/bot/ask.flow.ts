import type { Identity } from '@arasul/service-kit/auth';
import type { Logger } from '@arasul/service-kit/logger';
import type { BotClient } from '../telegram/telegram.client';
import { PlatformCallError, type PlatformClient } from './platform.client';
import { reply } from './reply';
import { StreamedReply, sourcesFooter, streamInto } from './streamed-reply';

/** Telegram allows about 20 messages (edits included) a minute in a group. */
const GROUP_EDIT_INTERVAL_MS = 3000;

/**
 * `/ask` and `/docs`: a question to llm-queue (batch priority, as the user who linked the chat), the
 * answer streamed into one message by throttled edits. Not awaited by the update loop: an answer can
 * wait minutes in the queue. One question per chat at a time.
 */
export class AskFlow {
  private readonly busy = new Set<string>();

  constructor(
    private readonly platform: PlatformClient,
    private readonly logger: Logger,
    private readonly editIntervalMs: number,
  ) {}

  /** Resolves when the answer is complete (the caller need not wait). */
  run(
    client: BotClient,
    chatId: string,
    who: Identity | undefined,
    question: string,
    documents: boolean,
  ): Promise<void> {
    const command = documents ? '/docs' : '/ask';
    if (question.trim() === '') return send(client, chatId, `Usage: ${command} <question>`);
    if (!who) return send(client, chatId, 'This chat is not linked to an active Arasul account.');
    if (this.busy.has(chatId)) return send(client, chatId, 'Still answering the last question, please wait.');
    this.busy.add(chatId);
    return this.answer(client, chatId, who, question.slice(0, 2000), documents).finally(() => {
      this.busy.delete(chatId);
    });
  }

  private async answer(
    client: BotClient,
    chatId: string,
    who: Identity,
    question: string,
    documents: boolean,
  ): Promise<void> {
    let streamed: StreamedReply | null = null;
    try {
      const placeholder = await reply(client, chatId, documents ? '🔎 …' : '⏳ …');
      const interval = chatId.startsWith('-')
        ? Math.max(GROUP_EDIT_INTERVAL_MS, this.editIntervalMs)
        : this.editIntervalMs;
      streamed = new StreamedReply(client, chatId, placeholder, interval);
      const { sources, error } = await streamInto(streamed, this.platform.chat(who, question, documents));
      if (error !== null) throw new PlatformCallError(null, 'job_failed', error);
      await streamed.finish(documents ? sourcesFooter(sources) : '');
    } catch (error) {
      this.logger.warn('telegram question failed', {
        chatId,
        documents,
        error: error instanceof Error ? error.message : 'failed',
      });
      const text = unavailableText(error, documents);
      await (streamed ? streamed.fail(text) : send(client, chatId, text)).catch(() => undefined);
    }
  }
}

function unavailableText(error: unknown, documents: boolean): string {
  if (documents && error instanceof PlatformCallError && /^search_|rag_/.test(error.code))
    return 'Answers from the documents are not available on this box (the document search is not installed or not running).';
  if (error instanceof PlatformCallError && error.status === 403)
    return 'Your account may not use the AI from Telegram.';
  return 'Sorry, the AI could not answer right now.';
}

async function send(client: BotClient, chatId: string, text: string): Promise<void> {
  await reply(client, chatId, text).catch(() => undefined);
}
