/**
 * The live stream over a real HTTP listen: Server-Sent Events fed through Redis pub/sub, heartbeats,
 * slow clients dropped, a bounded number of clients.
 */
import { type IncomingMessage, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningServer, listen } from '@arasul/service-kit';
import { type TestContext, asCaller, createTestContext, identity, sampleOf, waitFor } from './helpers';

const viewerHeaders = asCaller(identity('viewer'));

interface StreamClient {
  res: IncomingMessage;
  text: () => string;
  events: () => { id?: string; event?: string; data?: string }[];
  close: () => void;
}

function openStream(port: number, headers = viewerHeaders): Promise<StreamClient> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/api/metrics/stream', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('error', () => undefined);
      resolve({
        res,
        text: () => text,
        events: () =>
          text
            .split('\n\n')
            .filter((block) => block.includes('data: '))
            .map((block) =>
              Object.fromEntries(
                block
                  .split('\n')
                  .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]),
              ),
            ),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('GET /api/metrics/stream', () => {
  let ctx: TestContext;
  let server: RunningServer;

  beforeAll(async () => {
    ctx = await createTestContext({ METRICS_STREAM_HEARTBEAT_MS: '1000', METRICS_STREAM_MAX_CLIENTS: '3' });
    server = await listen(ctx.app, 0);
  });
  afterAll(async () => {
    await ctx.collector.hub.stop();
    await server.close(100);
    await ctx.close();
  });

  it('sends the latest snapshot, then one event per sample within a second, with SSE headers', async () => {
    await ctx.collector.live.publish(sampleOf({ cpu: 1 }));
    const client = await openStream(server.port);
    expect(client.res.statusCode).toBe(200);
    expect(client.res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(client.res.headers['cache-control']).toBe('no-cache');
    expect(client.res.headers['x-accel-buffering']).toBe('no');
    await waitFor(() => client.events().length === 1, 'the initial snapshot');
    expect(JSON.parse(client.events()[0]!.data!)).toMatchObject({ cpu: 1 });
    expect(client.text()).toMatch(/^retry: 5000\n\n/);

    const latencies: number[] = [];
    for (let i = 2; i <= 6; i += 1) {
      const sample = sampleOf({ cpu: i });
      const sent = performance.now();
      await ctx.collector.live.publish(sample);
      await waitFor(() => client.events().length === i, `event ${i}`, 1000);
      latencies.push(performance.now() - sent);
      const event = client.events()[i - 1]!;
      expect(event.event).toBe('sample');
      expect(event.id).toBe(sample.timestamp.toISOString());
      expect(JSON.parse(event.data!)).toMatchObject({ timestamp: sample.timestamp.toISOString(), cpu: i });
    }
    expect(Math.max(...latencies)).toBeLessThan(1000);
    client.close();
    await waitFor(() => ctx.collector.hub.clientCount === 0, 'the hub to forget the closed client');
  });

  it('delivers samples the sampling loop takes (through Redis) to every client', async () => {
    const a = await openStream(server.port);
    const b = await openStream(server.port);
    const before = [a.events().length, b.events().length];
    ctx.sampler.push(sampleOf({ cpu: 42 }));
    await ctx.collector.loop.tick();
    await waitFor(() => a.events().length > before[0]! && b.events().length > before[1]!, 'both clients');
    expect(JSON.parse(a.events().at(-1)!.data!)).toMatchObject({ cpu: 42 });
    expect(JSON.parse(b.events().at(-1)!.data!)).toMatchObject({ cpu: 42 });
    a.close();
    b.close();
    await waitFor(() => ctx.collector.hub.clientCount === 0, 'clients gone');
  });

  it('sends a heartbeat comment when nothing happens', async () => {
    const client = await openStream(server.port);
    await waitFor(() => client.text().includes(': heartbeat\n\n'), 'a heartbeat', 2500);
    client.close();
  });

  it('refuses clients beyond METRICS_STREAM_MAX_CLIENTS with 503', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => openStream(server.port)));
    const fourth = await openStream(server.port);
    expect(fourth.res.statusCode).toBe(503);
    await waitFor(() => fourth.text().length > 0, 'the error body');
    expect(JSON.parse(fourth.text()).error.code).toBe('stream_capacity_reached');
    clients.forEach((c) => c.close());
    await waitFor(() => ctx.collector.hub.clientCount === 0, 'clients gone');
  });
});

describe('a client that does not read', () => {
  let ctx: TestContext;
  let server: RunningServer;

  beforeAll(async () => {
    ctx = await createTestContext({ METRICS_STREAM_MAX_BUFFERED_BYTES: '65536' });
    server = await listen(ctx.app, 0);
  });
  afterAll(async () => {
    await ctx.collector.hub.stop();
    await server.close(100);
    await ctx.close();
  });

  it('is dropped once its unsent data passes the cap, while a reading client keeps getting events', async () => {
    // A raw socket that sends the request and never reads: the kernel buffers fill, then ours would.
    const stalled = connect(server.port, '127.0.0.1');
    await new Promise<void>((resolve) => stalled.once('connect', () => resolve()));
    stalled.pause();
    stalled.on('error', () => undefined);
    const headers = Object.entries(viewerHeaders)
      .map(([k, v]) => `${k}: ${v}\r\n`)
      .join('');
    stalled.write(`GET /api/metrics/stream HTTP/1.1\r\nHost: x\r\n${headers}\r\n`);
    const reader = await openStream(server.port);
    await waitFor(() => ctx.collector.hub.clientCount === 2, 'both clients attached');

    // Big events (200 kB of text each), so the loopback socket buffers fill after a few dozen.
    const padding = 'x'.repeat(200_000);
    for (let i = 0; i < 300 && ctx.collector.hub.dropped === 0; i += 1) {
      const sample = sampleOf({ cpu: i % 100 });
      sample.unavailable.gpu = padding;
      await ctx.collector.live.publish(sample);
      await sleep(5);
    }
    await waitFor(() => ctx.collector.hub.dropped === 1, 'the stalled client to be cut off', 10_000);
    expect(ctx.collector.hub.clientCount).toBe(1);
    // Its socket is gone: reading what is left ends in close, not in more events.
    const closed = new Promise<void>((resolve) => stalled.once('close', () => resolve()));
    stalled.resume();
    await closed;

    const received = reader.events().length;
    await ctx.collector.live.publish(sampleOf({ cpu: 7 }));
    await waitFor(() => reader.events().length > received, 'the reading client to get the next event');
    reader.close();
  });
});
