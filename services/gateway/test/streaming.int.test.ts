import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import request from 'supertest';
import type { Database } from '@arasul/db';
import { listen, type RunningServer } from '@arasul/service-kit';
import type { TestDatabase } from '@arasul/testkit';
import {
  accessToken,
  buildGateway,
  createTestDatabase,
  startEchoUpstream,
  startHttp,
  waitFor,
  type RunningHttp,
  type SeenRequest,
  type TestGateway,
} from './helpers';

let db: TestDatabase<Database>;
let documents: RunningHttp & { seen: SeenRequest[] };
let llm: RunningHttp;
let gateway: TestGateway;
let server: RunningServer;
let releaseRest: () => void = () => undefined;
let sseUpstreamFinishedAt = 0;
let upstreamSawClientLeave = false;

const MiB = 1024 * 1024;
const token = () => accessToken().token;

beforeAll(async () => {
  db = await createTestDatabase();
  documents = await startEchoUpstream();
  // An LLM stream: the first token at once, the rest only when the test says so.
  llm = await startHttp((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    if (req.url?.startsWith('/api/chats/1/leave')) {
      res.write('data: {"token":"Hi"}\n\n');
      res.once('close', () => (upstreamSawClientLeave = true));
      return;
    }
    if (req.url?.startsWith('/api/chats/1/headers-only')) {
      res.flushHeaders();
      const release = new Promise<void>((resolve) => (releaseRest = resolve));
      void release.then(() => res.end('data: late\n\n'));
      return;
    }
    res.write('data: {"token":"Hel"}\n\n');
    const release = new Promise<void>((resolve) => (releaseRest = resolve));
    void release.then(async () => {
      for (const piece of ['lo', ' wor', 'ld']) {
        res.write(`data: {"token":"${piece}"}\n\n`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      sseUpstreamFinishedAt = Date.now();
      res.end('data: [DONE]\n\n');
    });
  });
  gateway = await buildGateway({
    db,
    env: { DOCUMENT_INDEXER_URL: documents.url, LLM_QUEUE_URL: llm.url, UPDATE_MANAGER_URL: documents.url },
  });
  server = await listen(gateway.app, 0);
});

afterAll(async () => {
  await server.close(100);
  await gateway.stop();
  await llm.close();
  await documents.close();
  await db.drop();
});

function get(path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      path,
      headers: {
        authorization: `Bearer ${token()}`,
        accept: 'text/event-stream',
        'accept-encoding': 'gzip, br',
      },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Streams `total` bytes in 64 KiB chunks without ever holding more than one chunk. */
function generatedBody(total: number): Readable {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(chunk.length, total - sent);
      sent += size;
      this.push(size === chunk.length ? chunk : chunk.subarray(0, size));
    },
  });
}

interface UploadOutcome {
  status: number | null;
  body: string;
  clientError: string | null;
}

function upload(
  path: string,
  body: Readable,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<UploadOutcome> {
  return new Promise((resolve) => {
    const outcome: UploadOutcome = { status: null, body: '', clientError: null };
    const req = httpRequest({
      host: '127.0.0.1',
      port: server.port,
      path,
      method,
      headers: { authorization: `Bearer ${token()}`, 'content-type': 'application/octet-stream', ...headers },
    });
    req.on('response', (res) => {
      outcome.status = res.statusCode ?? null;
      res.setEncoding('utf8');
      res.on('data', (text: string) => (outcome.body += text));
      res.on('end', () => resolve(outcome));
      res.on('error', () => resolve(outcome));
    });
    req.on('error', (error) => {
      outcome.clientError = error.message;
      // The server may close the connection after its answer; the answer is what counts.
      setTimeout(() => resolve(outcome), 50);
    });
    body.pipe(req);
  });
}

describe('Server-Sent Events', () => {
  it('reach the client event by event, before the upstream has sent the rest', async () => {
    const res = await get('/api/chats/1/stream');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['x-accel-buffering']).toBe('no');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-encoding']).toBeUndefined();

    res.setEncoding('utf8');
    const received: { text: string; at: number }[] = [];
    const firstEvent = new Promise<void>((resolve) => {
      res.on('data', (text: string) => {
        received.push({ text, at: Date.now() });
        if (text.includes('Hel')) resolve();
      });
    });
    const ended = new Promise<void>((resolve) => res.on('end', resolve));

    await firstEvent;
    // The first event is here while the upstream is still waiting for our signal to send the rest.
    expect(sseUpstreamFinishedAt).toBe(0);
    releaseRest();
    await ended;
    const all = received.map((r) => r.text).join('');
    expect(all).toBe(
      'data: {"token":"Hel"}\n\ndata: {"token":"lo"}\n\ndata: {"token":" wor"}\n\ndata: {"token":"ld"}\n\ndata: [DONE]\n\n',
    );
    expect(received.length).toBeGreaterThan(2);
    expect(received[0]!.at).toBeLessThan(sseUpstreamFinishedAt);
  });

  it('flushes the response headers as soon as the upstream sends them, before any event', async () => {
    const res = await get('/api/chats/1/headers-only');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-accel-buffering']).toBe('no');
    releaseRest();
    res.resume();
    await new Promise((resolve) => res.on('end', resolve));
  });
});

describe('a client that leaves', () => {
  it('ends the upstream request of its event stream', async () => {
    const res = await get('/api/chats/1/leave');
    expect(res.statusCode).toBe(200);
    await new Promise((resolve) => res.once('data', resolve));
    res.destroy();
    await waitFor('the upstream sees the stream end', () => upstreamSawClientLeave);
  });
});

describe('request bodies', () => {
  it('forwards an upload sent with Expect: 100-continue (curl does so above 1 MiB)', async () => {
    const outcome = await upload('/api/documents', generatedBody(2 * MiB), {
      expect: '100-continue',
      'content-length': String(2 * MiB),
    });
    expect(outcome.status).toBe(200);
    expect(documents.seen.at(-1)).toMatchObject({ bodyBytes: 2 * MiB, complete: true });
  });

  it('streams an upload of several MiB to POST /api/documents untouched', async () => {
    const outcome = await upload('/api/documents', generatedBody(6 * MiB));
    expect(outcome.status).toBe(200);
    const seen = documents.seen.at(-1)!;
    expect(seen).toMatchObject({ method: 'POST', url: '/api/documents', bodyBytes: 6 * MiB, complete: true });
  });

  it('refuses a streamed upload over 50 MiB with 413, and the upstream never gets a complete body', async () => {
    const before = documents.seen.length;
    const outcome = await upload('/api/documents', generatedBody(51 * MiB));
    expect(outcome.status).toBe(413);
    expect(JSON.parse(outcome.body)).toMatchObject({ error: { code: 'payload_too_large' } });
    await new Promise((resolve) => setTimeout(resolve, 200));
    // The upload was streaming to the upstream when it crossed the limit; the upstream saw it cut short.
    const reached = documents.seen.slice(before);
    expect(reached).toHaveLength(1);
    expect(reached[0]!.complete).toBe(false);
    expect(reached[0]!.bodyBytes).toBeLessThanOrEqual(50 * MiB);
    expect(reached[0]!.bodyBytes).toBeGreaterThan(0);
  });

  it('refuses an upload whose Content-Length is over the limit before forwarding anything', async () => {
    const before = documents.seen.length;
    const res = await request(gateway.app)
      .post('/api/updates')
      .set('Authorization', `Bearer ${token()}`)
      .set('Content-Type', 'application/octet-stream')
      .set('Content-Length', String(50 * MiB + 1))
      .send(Buffer.alloc(16));
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({ error: { code: 'payload_too_large' } });
    expect(documents.seen.length).toBe(before);
  });

  it('limits JSON (and every other non-upload body) to 1 MiB, by Content-Length and by counting', async () => {
    const big = { text: 'x'.repeat(MiB) };
    const declared = await request(gateway.app)
      .post('/api/chats')
      .set('Authorization', `Bearer ${token()}`)
      .send(big);
    expect(declared.status).toBe(413);
    expect(declared.body).toMatchObject({ error: { code: 'payload_too_large' } });

    const counted = await upload('/api/spaces', generatedBody(2 * MiB), {
      'content-type': 'application/json',
    });
    expect(counted.status).toBe(413);

    const notAnUpload = await upload('/api/documents/4', generatedBody(2 * MiB), {}, 'PUT');
    expect(notAnUpload.status).toBe(413);

    const small = await request(gateway.app)
      .post('/api/spaces')
      .set('Authorization', `Bearer ${token()}`)
      .send({ name: 'ok' });
    expect(small.status).toBe(200);
    expect(documents.seen.at(-1)!.body).toBe('{"name":"ok"}');
  });

  it('keeps serving on the same connection pool afterwards', async () => {
    await waitFor(
      'gateway answers',
      async () =>
        (await request(gateway.app).get('/api/spaces').set('Authorization', `Bearer ${token()}`)).status ===
        200,
    );
  });
});
