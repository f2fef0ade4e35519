import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { UnavailableError } from '@arasul/service-kit/errors';
import type { Logger } from '@arasul/service-kit/logger';

export interface StreamHubOptions {
  /** Full (prefixed) channel name. */
  channel: string;
  maxClients: number;
  heartbeatMs: number;
  /** A client whose socket holds more unsent bytes than this is too slow and is disconnected. */
  maxBufferedBytes: number;
}

interface Client {
  res: Response;
  id: number;
}

/**
 * Server-Sent Events fan-out of live samples. One Redis subscription per process (not per client), so
 * any replica serves any client. Nothing is queued per client beyond the socket's own buffer, and that
 * is capped: a client that cannot keep up is dropped and may reconnect.
 */
export class StreamHub {
  private readonly clients = new Map<number, Client>();
  private nextId = 1;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly log: Logger;
  private started = false;
  dropped = 0;
  delivered = 0;

  constructor(
    private readonly subscriber: Redis,
    private readonly options: StreamHubOptions,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'stream' });
  }

  get clientCount(): number {
    return this.clients.size;
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.options.channel) this.broadcast(message);
    });
    // ioredis re-subscribes by itself after a reconnect.
    await this.subscriber.subscribe(this.options.channel);
    this.heartbeat = setInterval(() => this.writeAll(': heartbeat\n\n'), this.options.heartbeatMs);
  }

  /** Ends every stream (clients reconnect to another replica or after the restart). */
  async stop(): Promise<void> {
    clearInterval(this.heartbeat);
    for (const client of [...this.clients.values()]) this.remove(client, 'shutdown');
    if (this.started) await this.subscriber.unsubscribe(this.options.channel).catch(() => undefined);
    this.started = false;
  }

  /** Takes over the response as an event stream; `initial` (the latest snapshot) is sent first. */
  attach(res: Response, initial: string | null): void {
    if (this.clients.size >= this.options.maxClients) {
      throw new UnavailableError(
        `The live stream already serves ${this.clients.size} clients.`,
        'stream_capacity_reached',
        { headers: { 'Retry-After': '5' } },
      );
    }
    res.status(200);
    res.set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    res.socket?.setNoDelay(true);
    const client: Client = { res, id: this.nextId++ };
    this.clients.set(client.id, client);
    res.on('close', () => this.clients.delete(client.id));
    this.write(client, 'retry: 5000\n\n');
    if (initial !== null) this.write(client, eventOf(initial));
  }

  private broadcast(message: string): void {
    this.writeAll(eventOf(message));
  }

  private writeAll(chunk: string): void {
    for (const client of [...this.clients.values()]) this.write(client, chunk);
  }

  private write(client: Client, chunk: string): void {
    const { res } = client;
    if (res.writableEnded || res.destroyed) {
      this.clients.delete(client.id);
      return;
    }
    if (res.writableLength > this.options.maxBufferedBytes) {
      this.dropped += 1;
      this.log.warn('dropping a live-stream client that does not keep up', {
        client: client.id,
        bufferedBytes: res.writableLength,
      });
      this.remove(client, 'slow');
      return;
    }
    res.write(chunk);
    if (chunk.startsWith('id:')) this.delivered += 1;
  }

  private remove(client: Client, reason: string): void {
    this.clients.delete(client.id);
    // A slow client's buffer would never drain: cut the socket instead of ending politely.
    if (reason === 'slow') client.res.destroy();
    else client.res.end();
  }
}

/** One SSE event per sample; the id is the sample time, so a client can tell what it has seen. */
function eventOf(snapshotJson: string): string {
  const match = /"timestamp":"([^"]+)"/.exec(snapshotJson);
  const id = match?.[1] ? `id: ${match[1]}\n` : '';
  return `${id}event: sample\ndata: ${snapshotJson}\n\n`;
}
