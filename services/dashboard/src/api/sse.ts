import { type ParseError, createParser } from 'eventsource-parser';

/**
 * Server-Sent Events over `fetch` (EventSource cannot send an Authorization header, and the gateway
 * authenticates API calls by Bearer token only). Parsing is eventsource-parser's (the WHATWG event-stream
 * rules: LF, CR or CRLF line ends also across chunks, multi-line data, comments, `retry:`); this adds what
 * EventSource would: the last event id carried over to the events after it, and a cap on one unfinished
 * event so a broken server cannot grow memory forever. An unfinished event at the end is dropped.
 */
export interface SseEvent {
  /** `message` when the stream named none. */
  event: string;
  data: string;
  id: string | undefined;
}

const MAX_EVENT_CHARS = 4 * 1024 * 1024;

export class SseParser {
  private readonly parser = createParser({
    maxBufferSize: MAX_EVENT_CHARS,
    onEvent: ({ event, data, id }) => {
      if (id !== undefined) this.lastId = id;
      this.ready.push({ event: event ?? 'message', data, id: this.lastId });
    },
    onRetry: (ms) => {
      this.retryMs = ms;
    },
    onError: (error: ParseError) => {
      if (error.type === 'max-buffer-size-exceeded') throw new Error('event-stream event too long');
    },
  });
  private ready: SseEvent[] = [];
  private lastId: string | undefined;
  /** The text so far ended in CR: the parser waits to see whether a LF belongs to it. */
  private endsInCr = false;
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseEvent[] {
    if (chunk !== '') this.endsInCr = chunk.endsWith('\r');
    this.parser.feed(chunk);
    return this.ready.splice(0);
  }

  /** The stream ended: a final CR was a whole line end, so what it completed is dispatched. */
  end(): SseEvent[] {
    return this.endsInCr ? this.push('\n') : [];
  }
}

/**
 * Reads an event-stream response body to its end, calling `onEvent` for each event as it arrives.
 * Resolves when the server ends the stream; rejects when the connection breaks or `signal` aborts.
 */
export async function readSse(
  response: Response,
  onEvent: (event: SseEvent) => void,
  signal?: AbortSignal,
): Promise<void> {
  const body = response.body;
  if (!body) throw new Error('the response has no body');
  const reader = body.getReader();
  const decoder = new TextDecoder();
  const parser = new SseParser();
  const cancel = () => void reader.cancel().catch(() => undefined);
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (signal?.aborted) throw new DOMException('aborted', 'AbortError');
      if (done) break;
      for (const event of parser.push(decoder.decode(value, { stream: true }))) onEvent(event);
    }
    for (const event of [...parser.push(decoder.decode()), ...parser.end()]) onEvent(event);
  } finally {
    signal?.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}
