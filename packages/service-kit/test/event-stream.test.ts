import { EventStreamTooLargeError, type SseMessage, readEventStream } from '../src/http/event-stream';

const STREAM = [
  ': heartbeat',
  '',
  'event: snapshot',
  'data: {"services":[]}',
  '',
  'data: line one',
  'data:line two',
  '',
  'retry: 100',
  'data: {"text":"Grüße 👋"}',
  '',
  '',
].join('\n');

const EXPECTED: SseMessage[] = [
  { event: 'snapshot', data: '{"services":[]}' },
  { event: 'message', data: 'line one\nline two' },
  { event: 'message', data: '{"text":"Grüße 👋"}' },
];

async function* chunks(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    yield bytes.slice(from, cut);
    from = cut;
  }
}

async function read(body: AsyncIterable<Uint8Array>, maxBufferChars?: number): Promise<SseMessage[]> {
  const events: SseMessage[] = [];
  for await (const event of readEventStream(body, { maxBufferChars })) events.push(event);
  return events;
}

describe('readEventStream', () => {
  it('gives the same events wherever the bytes are cut, also inside a UTF-8 character', async () => {
    const bytes = new TextEncoder().encode(STREAM);
    for (let cut = 0; cut <= bytes.length; cut += 1) {
      expect({ cut, events: await read(chunks(bytes, [cut])) }).toEqual({ cut, events: EXPECTED });
    }
  });

  it('reads CRLF and CR line ends, also a stream that ends in a lone CR', async () => {
    for (const ending of ['\r\n', '\r']) {
      const bytes = new TextEncoder().encode(STREAM.replace(/\n/g, ending));
      expect(await read(chunks(bytes, [9, 33]))).toEqual(EXPECTED);
    }
  });

  it('yields each event as soon as its chunk arrives', async () => {
    const seen: string[] = [];
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode('data: first\n\n');
      seen.push('second chunk asked for');
      yield new TextEncoder().encode('data: second\n\n');
    }
    for await (const event of readEventStream(slow())) seen.push(event.data);
    expect(seen).toEqual(['first', 'second chunk asked for', 'second']);
  });

  it('refuses an unfinished event longer than the cap instead of buffering it', async () => {
    const big = new TextEncoder().encode(`data: ${'x'.repeat(2000)}`);
    await expect(read(chunks(big, [1000]), 1024)).rejects.toBeInstanceOf(EventStreamTooLargeError);
    expect(
      await read(chunks(new TextEncoder().encode(`data: ${'x'.repeat(500)}\n\n`), []), 1024),
    ).toHaveLength(1);
  });
});
