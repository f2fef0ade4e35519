/**
 * Server-Sent Events over `fetch` (EventSource cannot send an Authorization header, and the gateway
 * authenticates API calls by Bearer token only). The parser follows the WHATWG event-stream rules:
 * LF, CR or CRLF line ends (also when a CRLF is split across two chunks), `data:` lines joined with "\n",
 * `event:`, `id:`, `retry:`, comments (`:`), one optional space after the colon, and an event is
 * dispatched at a blank line. An unfinished event at the end of the stream is dropped.
 */
export interface SseEvent {
  /** `message` when the stream named none. */
  event: string;
  data: string;
  id: string | undefined;
}

/** Longest line we keep while waiting for its end: a broken server must not grow memory forever. */
const MAX_LINE_CHARS = 4 * 1024 * 1024;

export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private hasData = false;
  private eventType = '';
  private lastId: string | undefined;
  /** The previous chunk ended in CR: a LF at the start of the next one belongs to that line end. */
  private pendingCr = false;
  /** The last `retry:` the server asked for, in ms. */
  retryMs: number | undefined;

  push(chunk: string): SseEvent[] {
    const events: SseEvent[] = [];
    let text = chunk;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (text.startsWith('\n')) text = text.slice(1);
    }
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i += 1) {
      const ch = this.buffer.charCodeAt(i);
      if (ch !== 10 && ch !== 13) continue;
      const line = this.buffer.slice(start, i);
      if (ch === 13) {
        if (i + 1 === this.buffer.length) this.pendingCr = true;
        else if (this.buffer.charCodeAt(i + 1) === 10) i += 1;
      }
      start = i + 1;
      const event = this.line(line);
      if (event) events.push(event);
    }
    this.buffer = this.buffer.slice(start);
    if (this.buffer.length > MAX_LINE_CHARS) throw new Error('event-stream line too long');
    return events;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        this.hasData = true;
        break;
      case 'event':
        this.eventType = value;
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.retryMs = Number(value);
        break;
      default:
        break;
    }
    return undefined;
  }

  private dispatch(): SseEvent | undefined {
    const event = this.hasData
      ? { event: this.eventType || 'message', data: this.data.join('\n'), id: this.lastId }
      : undefined;
    this.data = [];
    this.hasData = false;
    this.eventType = '';
    return event;
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
    for (const event of parser.push(decoder.decode())) onEvent(event);
  } finally {
    signal?.removeEventListener('abort', cancel);
    reader.releaseLock();
  }
}
