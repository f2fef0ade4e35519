import { type ParseError, createParser } from 'eventsource-parser';

/** One server-sent event: its `event:` name (`message` when the stream named none) and its data lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/** One unfinished event grew past the reader's cap: the peer is broken (or hostile). */
export class EventStreamTooLargeError extends Error {
  constructor(readonly maxBufferChars: number) {
    super(`event stream message too large (over ${String(maxBufferChars)} characters)`);
    this.name = 'EventStreamTooLargeError';
  }
}

/**
 * Reads a `text/event-stream` body into its events as they arrive, by the WHATWG rules (eventsource-parser:
 * CR, LF or CRLF line ends also across chunks, multi-line data; comments and heartbeats skipped). More than
 * `maxBufferChars` of one unfinished event means a broken peer, not a big event: it throws instead of
 * growing memory.
 */
export async function* readEventStream(
  body: AsyncIterable<Uint8Array>,
  { maxBufferChars = 1024 * 1024 }: { maxBufferChars?: number } = {},
): AsyncGenerator<SseMessage> {
  const decoder = new TextDecoder();
  const ready: SseMessage[] = [];
  const parser = createParser({
    maxBufferSize: maxBufferChars,
    onEvent: ({ event, data }) => ready.push({ event: event ?? 'message', data }),
    onError: (error: ParseError) => {
      if (error.type === 'max-buffer-size-exceeded') throw new EventStreamTooLargeError(maxBufferChars);
    },
  });
  let endsInCr = false;
  for await (const chunk of body) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') endsInCr = text.endsWith('\r');
    parser.feed(text);
    yield* ready.splice(0);
  }
  // A final CR was a whole line end (the parser waits for a LF that could belong to it).
  if (endsInCr) parser.feed('\n');
  yield* ready.splice(0);
}
