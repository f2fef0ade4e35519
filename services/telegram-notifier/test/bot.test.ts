/** Units of the bot without IO: the throttled streamed reply, the sources footer, the summary schedule. */
import { StreamedReply, sourcesFooter } from '../src/bot/streamed-reply';
import { localDay, summaryDue } from '../src/summary/daily-summary';
import { BotApiError, type BotClient } from '../src/telegram/telegram.client';

/** Lets a scheduled edit run, as it does between tokens arriving from the network. */
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** Records edits; `rateLimited` makes the next edits answer 429. */
function recordingClient(): { client: BotClient; edits: string[]; rateLimited: { n: number } } {
  const edits: string[] = [];
  const rateLimited = { n: 0 };
  const client = {
    editMessageText: (_chat: string, _id: number, text: string) => {
      if (rateLimited.n > 0) {
        rateLimited.n -= 1;
        return Promise.reject(new BotApiError('rate_limited', 'Too Many Requests', 0, 429));
      }
      edits.push(text);
      return Promise.resolve();
    },
  } as unknown as BotClient;
  return { client, edits, rateLimited };
}

describe('StreamedReply', () => {
  it('edits at most once per interval while tokens arrive, then once with the whole text', async () => {
    const clock = { now: 10_000 };
    const { client, edits } = recordingClient();
    const reply = new StreamedReply(client, '1', 7, 1000, () => clock.now);
    for (let i = 0; i < 30; i += 1) {
      reply.append(`t${String(i)} `);
      await tick();
      clock.now += 100; // 30 tokens over 3 s
    }
    await reply.finish();
    // One edit per second of tokens (3) and the final one.
    expect(edits).toHaveLength(4);
    expect(edits.slice(0, -1).every((e) => e.endsWith(' …'))).toBe(true);
    expect(edits.at(-1)).toBe(Array.from({ length: 30 }, (_, i) => `t${String(i)}`).join(' '));
  });

  it('never sends an edit that changes nothing, and a 429 only postpones', async () => {
    const clock = { now: 0 };
    const { client, edits, rateLimited } = recordingClient();
    const reply = new StreamedReply(client, '1', 7, 500, () => clock.now);
    rateLimited.n = 1;
    reply.append('a');
    await tick();
    clock.now += 600;
    reply.append('b');
    await tick();
    await reply.finish();
    await reply.finish();
    expect(edits).toEqual(['ab …', 'ab']);
  });

  it('cites the sources with their pages', () => {
    const source = (n: number, page: number | null, pageEnd: number | null) => ({
      n,
      documentId: '4b7f6c1e-9a8d-4f1e-8c2b-0d1e2f3a4b5c',
      chunkId: 'c',
      name: `Doc${String(n)}.pdf`,
      mimeType: 'application/pdf',
      page,
      pageEnd,
      excerpt: '',
      text: '',
      score: 0.5,
    });
    expect(sourcesFooter([source(1, 2, 2), source(2, 3, 5), source(3, null, null)])).toBe(
      '\n\nSources:\n[1] Doc1.pdf p. 2\n[2] Doc2.pdf p. 3–5\n[3] Doc3.pdf',
    );
    expect(sourcesFooter([])).toBe('');
  });
});

describe('daily summary schedule', () => {
  const schedule = { time: '07:30', lastSentOn: null, timeZone: 'Europe/Berlin' };

  it('is due from the configured local time on, once per local day', () => {
    expect(summaryDue(new Date('2026-01-15T06:29:00Z'), schedule)).toBeNull(); // 07:29 CET
    expect(summaryDue(new Date('2026-01-15T06:30:00Z'), schedule)).toBe('2026-01-15');
    expect(
      summaryDue(new Date('2026-01-15T22:00:00Z'), { ...schedule, lastSentOn: '2026-01-15' }),
    ).toBeNull();
    // 23:30 UTC is already the next day in Berlin.
    expect(localDay(new Date('2026-01-15T23:30:00Z'), 'Europe/Berlin').day).toBe('2026-01-16');
    expect(summaryDue(new Date('2026-01-15T06:30:00Z'), { ...schedule, time: null })).toBeNull();
  });

  it('follows the wall clock on the DST days', () => {
    // 29 March 2026: CET → CEST, 07:30 local is 05:30 UTC; 25 October 2026: back, 06:30 UTC.
    expect(summaryDue(new Date('2026-03-29T05:29:00Z'), schedule)).toBeNull();
    expect(summaryDue(new Date('2026-03-29T05:30:00Z'), schedule)).toBe('2026-03-29');
    expect(summaryDue(new Date('2026-10-25T06:29:00Z'), schedule)).toBeNull();
    expect(summaryDue(new Date('2026-10-25T06:30:00Z'), schedule)).toBe('2026-10-25');
  });
});
