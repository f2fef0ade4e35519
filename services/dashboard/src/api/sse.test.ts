import { readSse, type SseEvent, SseParser } from './sse';

const STREAM =
  [
    'retry: 5000',
    '',
    ': heartbeat',
    '',
    'id: 2024-01-01T00:00:00.000Z',
    'event: sample',
    'data: {"cpu":12.5,"text":"a:b"}',
    '',
    'data: line one',
    'data:line two',
    '',
    'event: done',
    'data',
    '',
    'data: {"type":"token","text":"Grüße 👋"}',
    '',
  ].join('\n') + '\n';

const EXPECTED: SseEvent[] = [
  { event: 'sample', data: '{"cpu":12.5,"text":"a:b"}', id: '2024-01-01T00:00:00.000Z' },
  { event: 'message', data: 'line one\nline two', id: '2024-01-01T00:00:00.000Z' },
  { event: 'done', data: '', id: '2024-01-01T00:00:00.000Z' },
  { event: 'message', data: '{"type":"token","text":"Grüße 👋"}', id: '2024-01-01T00:00:00.000Z' },
];

function parseInPieces(text: string, cuts: number[]): SseEvent[] {
  const parser = new SseParser();
  const events: SseEvent[] = [];
  let from = 0;
  for (const cut of [...cuts, text.length]) {
    events.push(...parser.push(text.slice(from, cut)));
    from = cut;
  }
  events.push(...parser.end());
  return events;
}

describe('SseParser', () => {
  it('parses events, ids, names, multi-line data and comments', () => {
    const parser = new SseParser();
    expect(parser.push(STREAM)).toEqual(EXPECTED);
    expect(parser.retryMs).toBe(5000);
  });

  it('gives the same events wherever the stream is cut into two chunks', () => {
    for (let cut = 0; cut <= STREAM.length; cut += 1) {
      expect({ cut, events: parseInPieces(STREAM, [cut]) }).toEqual({ cut, events: EXPECTED });
    }
  });

  it('gives the same events when every character arrives alone', () => {
    const cuts = Array.from({ length: STREAM.length }, (_, i) => i);
    expect(parseInPieces(STREAM, cuts)).toEqual(EXPECTED);
  });

  it('handles CRLF and CR line ends, also a CRLF split across two chunks', () => {
    const crlf = STREAM.replace(/\n/g, '\r\n');
    for (let cut = 0; cut <= crlf.length; cut += 1) expect(parseInPieces(crlf, [cut])).toEqual(EXPECTED);
    expect(parseInPieces(STREAM.replace(/\n/g, '\r'), [7, 40])).toEqual(EXPECTED);
  });

  it('refuses an event longer than 4 MiB instead of buffering it', () => {
    const parser = new SseParser();
    expect(() => parser.push(`data: ${'x'.repeat(4 * 1024 * 1024 + 1)}`)).toThrow(
      'event-stream event too long',
    );
  });

  it('drops an event the stream ended in the middle of', () => {
    const parser = new SseParser();
    expect(parser.push('data: complete\n\ndata: cut off')).toEqual([
      { event: 'message', data: 'complete', id: undefined },
    ]);
  });
});

describe('readSse', () => {
  it('decodes UTF-8 split inside a character and delivers events as chunks arrive', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    const emoji = STREAM.indexOf('👋');
    const byteCut = new TextEncoder().encode(STREAM.slice(0, emoji)).length + 2; // inside the 4-byte emoji
    const chunks = [bytes.slice(0, 10), bytes.slice(10, byteCut), bytes.slice(byteCut)];
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const events: SseEvent[] = [];
    await readSse(new Response(body), (e) => events.push(e));
    expect(events).toEqual(EXPECTED);
  });

  it('stops with an AbortError when the signal aborts mid-stream', async () => {
    const controller = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode('data: first\n\n'));
      },
    });
    const events: SseEvent[] = [];
    const reading = readSse(
      new Response(body),
      (e) => {
        events.push(e);
        controller.abort();
      },
      controller.signal,
    );
    await expect(reading).rejects.toMatchObject({ name: 'AbortError' });
    expect(events.map((e) => e.data)).toEqual(['first']);
  });
});
