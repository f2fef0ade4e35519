import type { Response } from 'express';

/** A socket whose unsent output grows beyond this is a reader that does not keep up: it is cut, not buffered. */
const MAX_PENDING_BYTES = 4 * 1024 * 1024;

/**
 * One Server-Sent-Events response: `data: <json>` per event, a heartbeat so proxies keep the connection,
 * and a bound on what may pile up for a slow reader. Closing it never affects the job it shows.
 */
export class SseStream {
  private readonly heartbeat: NodeJS.Timeout;
  private closed = false;
  private readonly closeHandlers: (() => void)[] = [];

  constructor(
    private readonly res: Response,
    heartbeatMs: number,
    /** The heartbeat event; null sends an SSE comment instead (for clients that parse every data line). */
    heartbeat: (() => unknown) | null = () => ({ type: 'heartbeat' }),
  ) {
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    // nginx (and our gateway) must not buffer the stream.
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    this.heartbeat = setInterval(
      () => (heartbeat === null ? this.raw(': heartbeat\n\n') : this.send(heartbeat())),
      heartbeatMs,
    );
    this.heartbeat.unref();
    res.on('close', () => this.finish());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  /** Writes one event; false when the stream is gone (or was cut for not reading). */
  send(event: unknown): boolean {
    return this.raw(`data: ${JSON.stringify(event)}\n\n`);
  }

  raw(text: string): boolean {
    if (this.closed) return false;
    if (this.res.writableLength > MAX_PENDING_BYTES) {
      this.res.destroy();
      this.finish();
      return false;
    }
    this.res.write(text);
    return true;
  }

  end(): void {
    if (this.closed) return;
    this.res.end();
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const handler of this.closeHandlers.splice(0)) handler();
  }
}

/** Newline-delimited JSON (Ollama's streaming format), with the same bounds. */
export class NdjsonStream {
  private closed = false;

  constructor(private readonly res: Response) {
    res.status(200);
    res.setHeader('Content-Type', 'application/x-ndjson');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    res.on('close', () => {
      this.closed = true;
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(value: unknown): boolean {
    if (this.closed) return false;
    if (this.res.writableLength > MAX_PENDING_BYTES) {
      this.res.destroy();
      this.closed = true;
      return false;
    }
    this.res.write(`${JSON.stringify(value)}\n`);
    return true;
  }

  end(): void {
    if (this.closed) return;
    this.closed = true;
    this.res.end();
  }
}
