import type { RagSource } from '@arasul/contracts/search';
import { BotApiError, type BotClient } from '../telegram/telegram.client';
import type { ChatStreamEvent } from './platform.client';
import { patiently } from './reply';

const MAX_TEXT = 4000;

/**
 * One bot message that grows into the answer: a placeholder, then `editMessageText` as tokens arrive —
 * at most one edit per `intervalMs` (Telegram allows about one edit a second in a chat, 20 a minute in a
 * group), never an edit that changes nothing (Telegram refuses those), and a last edit with the whole text.
 * A 429 on an edit only postpones it: the next edit carries the newer text anyway.
 */
export class StreamedReply {
  private text = '';
  private shown = '';
  private lastEditAt = Number.NEGATIVE_INFINITY;
  private pending: Promise<void> = Promise.resolve();
  private waitUntil = 0;
  edits = 0;

  constructor(
    private readonly client: BotClient,
    private readonly chatId: string,
    private readonly messageId: number,
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  append(text: string): void {
    this.text += text;
    const at = this.now();
    if (at - this.lastEditAt < this.intervalMs || at < this.waitUntil) return;
    this.lastEditAt = at;
    this.pending = this.pending.then(() => this.show(`${clip(this.text)} …`));
  }

  /** The final text (answer, then the cited sources); waits for edits in flight first. */
  async finish(footer = ''): Promise<void> {
    await this.pending;
    const body = this.text.trim() === '' ? '(no answer)' : this.text.trim();
    await this.show(clip(body, MAX_TEXT - footer.length) + footer, true);
  }

  /** Replaces whatever is shown (an error). */
  async fail(text: string): Promise<void> {
    await this.pending;
    await this.show(text, true);
  }

  private async show(text: string, last = false): Promise<void> {
    if (text === this.shown) return;
    try {
      await this.client.editMessageText(this.chatId, this.messageId, text);
      this.shown = text;
      this.edits += 1;
    } catch (error) {
      if (!(error instanceof BotApiError) || error.kind !== 'rate_limited') {
        if (last) throw error;
        return;
      }
      this.waitUntil = this.now() + Math.min(30, error.retryAfterSeconds ?? 1) * 1000;
      if (!last) return;
      await patiently(() => this.client.editMessageText(this.chatId, this.messageId, text));
      this.shown = text;
      this.edits += 1;
    }
  }
}

/** "Sources: [1] Mietvertrag.pdf p. 2" — the documents an answer cites, as a footer. */
export function sourcesFooter(sources: RagSource[]): string {
  if (sources.length === 0) return '';
  const lines = sources.slice(0, 8).map((s) => {
    const page =
      s.page === null
        ? ''
        : s.pageEnd !== null && s.pageEnd !== s.page
          ? ` p. ${String(s.page)}–${String(s.pageEnd)}`
          : ` p. ${String(s.page)}`;
    return `[${String(s.n)}] ${s.name}${page}`;
  });
  return `\n\nSources:\n${lines.join('\n')}`;
}

/** Feeds a chat stream into a reply; returns the sources the answer cited. */
export async function streamInto(
  reply: StreamedReply,
  events: AsyncIterable<ChatStreamEvent>,
): Promise<{ sources: RagSource[]; error: string | null }> {
  let sources: RagSource[] = [];
  for await (const event of events) {
    if (event.type === 'token') reply.append(event.text);
    else if (event.type === 'sources') sources = event.sources;
    else if (event.type === 'error') return { sources, error: event.message };
  }
  return { sources, error: null };
}

function clip(text: string, max = MAX_TEXT - 2): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
