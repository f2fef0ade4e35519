import { request as httpRequest, type IncomingMessage } from 'node:http';
import request from 'supertest';
import type { Database } from '@arasul/db';
import { listen, type RunningServer } from '@arasul/service-kit';
import type { TestDatabase } from '@arasul/testkit';
import {
  accessToken,
  buildGateway,
  createTestDatabase,
  startEchoUpstream,
  startFakeAuth,
  startHttp,
  waitFor,
  type RunningHttp,
  type SeenRequest,
  type TestGateway,
} from './helpers';

let db: TestDatabase<Database>;
let upstream: RunningHttp & { seen: SeenRequest[] };
let streams: RunningHttp;
let auth: Awaited<ReturnType<typeof startFakeAuth>>;
let gateway: TestGateway;
let server: RunningServer;

const V1_KEY = 'aras_v1only_0123456789abcdef0123456789ab';

beforeAll(async () => {
  db = await createTestDatabase();
  const user = await db.db
    .insertInto('admin_users')
    .values({ username: 'admin', password_hash: 'x', email: 'admin@example.com' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.db
    .insertInto('api_keys')
    .values({ id: 301, key_hash: 'h', key_prefix: 'aras_xxx', name: 'v1 only', created_by: user.id })
    .execute();
  upstream = await startEchoUpstream();
  // An upstream whose every answer is an event stream that stays open (like /api/metrics/stream).
  streams = await startHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write('data: {"type":"hello"}\n\n');
  });
  auth = await startFakeAuth([{ key: V1_KEY, apiKeyId: 301, userId: user.id, allowedEndpoints: ['/v1/*'] }]);
  gateway = await buildGateway({
    db,
    env: {
      AUTH_URL: auth.url,
      LLM_QUEUE_URL: upstream.url,
      METRICS_URL: streams.url,
      SSE_MAX_PER_USER: '2',
      AUDIT_FLUSH_INTERVAL_MS: '50',
    },
  });
  server = await listen(gateway.app, 0);
});

afterAll(async () => {
  server.server.closeAllConnections();
  await server.close(0);
  await gateway.stop();
  await auth.close();
  await upstream.close();
  await streams.close();
  await db.drop();
});

/** Raw HTTP: the path goes out exactly as written (supertest and fetch would resolve the dot segments). */
function rawGet(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port: server.port, path, headers },
      (res: IncomingMessage) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('one canonical path per request', () => {
  it.each([
    '/v1/../api/chats',
    '/v1/%2e%2e/api/llm/queue',
    '/v1/../ollama/api/tags',
    '/v1/%2E%2E/api/models/installed',
    '/v1/.%2e/api/chats',
    '/v1/models%2f..%2f..%2fapi%2fchats',
    '/v1\\..\\api\\chats',
  ])(
    'refuses %s with 400 invalid_path, before the key or the upstream sees it, and audits it',
    async (path) => {
      const before = upstream.seen.length;
      const lastRow = await db.db
        .selectFrom('api_audit_logs')
        .select((eb) => eb.fn.max('id').as('id'))
        .executeTakeFirst();
      const res = await rawGet(path, { 'x-api-key': V1_KEY });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'invalid_path' } });
      expect(upstream.seen.length).toBe(before);
      const row = await waitFor('audit row', () =>
        db.db
          .selectFrom('api_audit_logs')
          .select(['response_status', 'target_endpoint'])
          .where('id', '>', lastRow?.id ?? 0)
          .executeTakeFirst(),
      );
      expect(row).toEqual({ response_status: 400, target_endpoint: path });
    },
  );

  it('decodes encodings that mean nothing, checks the key against that path and forwards exactly it', async () => {
    const allowed = await rawGet('/%76%31/models', { 'x-api-key': V1_KEY });
    expect(allowed.status).toBe(200);
    expect(upstream.seen.at(-1)?.url).toBe('/v1/models');
    const refused = await rawGet('/%61pi/chats', { 'x-api-key': V1_KEY });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'endpoint_not_allowed' } });
    const token = accessToken({ role: 'operator' }).token;
    const viaUser = await rawGet('/%61pi/chats?x=1', { authorization: `Bearer ${token}` });
    expect(viaUser.status).toBe(200);
    expect(upstream.seen.at(-1)?.url).toBe('/api/chats?x=1');
  });
});

describe('event streams per user at the gateway', () => {
  it('allows SSE_MAX_PER_USER open streams, answers the next 429 naming the cap, and frees a place on close', async () => {
    const token = accessToken({ userId: 41, role: 'viewer' }).token;
    const open = (): Promise<IncomingMessage> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: server.port,
            path: '/api/metrics/stream',
            headers: { authorization: `Bearer ${token}` },
          },
          resolve,
        );
        req.on('error', reject);
        req.end();
      });
    const first = await open();
    const second = await open();
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const third = await open();
    expect(third.statusCode).toBe(429);
    expect(third.headers['retry-after']).toBe('5');
    let body = '';
    for await (const chunk of third) body += String(chunk);
    expect(JSON.parse(body)).toMatchObject({
      error: { code: 'caller_cap_exceeded', details: { cap: 'sse_connections_per_user', limit: 2 } },
    });
    // Another user is not affected.
    const other = await request(gateway.app)
      .get('/api/metrics/stream')
      .set('Authorization', `Bearer ${accessToken({ userId: 42, role: 'viewer' }).token}`)
      .buffer(false)
      .parse((res, done) => {
        res.once('data', () => {
          (res as unknown as IncomingMessage).destroy();
          done(null, null);
        });
      });
    expect(other.status).toBe(200);

    first.destroy();
    await waitFor('a freed place', () => gateway.components.proxy.streams.total() <= 1);
    const again = await open();
    expect(again.statusCode).toBe(200);
    second.destroy();
    again.destroy();
  });
});

describe('the audit writer with hostile input', () => {
  it('stores requests with NUL and lone surrogates in path, body and headers, and drops nothing', async () => {
    const token = accessToken({ role: 'operator' }).token;
    await request(gateway.app)
      .post('/api/chats/%F0%9F%98%80x')
      .set('Authorization', `Bearer ${token}`)
      .set('Content-Type', 'application/json')
      .send('{"title":"a\\u0000b","note":"\\ud800","\\u0000nam":"\\udfff x"}')
      .expect(200);
    const row = await waitFor('audit row', () =>
      db.db
        .selectFrom('api_audit_logs')
        .select(['request_payload', 'target_endpoint'])
        .where('target_endpoint', 'like', '/api/chats/%x')
        .executeTakeFirst(),
    );
    expect(row.request_payload).toEqual({ title: 'a\uFFFDb', note: '\uFFFD', '\uFFFDnam': '\uFFFD x' });
    expect(gateway.components.audit.stats().dropped).toBe(0);
  });
});
