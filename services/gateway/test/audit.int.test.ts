import { sql } from 'kysely';
import request from 'supertest';
import type { Database } from '@arasul/db';
import { createDb, createPool } from '@arasul/db';
import { HealthRegistry } from '@arasul/service-kit';
import { createSilentLogger, type TestDatabase } from '@arasul/testkit';
import { AuditWriter } from '../src/audit/audit.writer';
import type { AuditRow } from '../src/audit/audit.repository';
import {
  accessToken,
  buildGateway,
  createTestDatabase,
  startEchoUpstream,
  startFakeAuth,
  waitFor,
  type RunningHttp,
  type SeenRequest,
  type TestGateway,
} from './helpers';

let db: TestDatabase<Database>;
let upstream: RunningHttp & { seen: SeenRequest[] };
let auth: Awaited<ReturnType<typeof startFakeAuth>>;
let gateway: TestGateway;
let userId: number;

beforeAll(async () => {
  db = await createTestDatabase();
  userId = (
    await db.db
      .insertInto('admin_users')
      .values({ username: 'olga', password_hash: 'x', email: 'olga@example.com' })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  upstream = await startEchoUpstream();
  auth = await startFakeAuth();
  gateway = await buildGateway({
    db,
    env: { AUTH_URL: auth.url, LLM_QUEUE_URL: upstream.url, DOCUMENT_INDEXER_URL: upstream.url },
  });
});

afterAll(async () => {
  await gateway.stop();
  await auth.close();
  await upstream.close();
  await db.drop();
});

async function auditRowFor(path: string, method = 'GET') {
  return waitFor(`audit row for ${method} ${path}`, async () =>
    db.db
      .selectFrom('api_audit_logs')
      .selectAll()
      .where('target_endpoint', '=', path)
      .where('request_method', '=', method)
      .orderBy('id', 'desc')
      .executeTakeFirst(),
  );
}

describe('audit trail', () => {
  it('records a login with every secret in the body masked, at any depth', async () => {
    const res = await request(gateway.app)
      .post('/api/auth/login?next=%2F')
      .set('User-Agent', 'audit-test/1.0')
      .send({
        username: 'olga',
        password: 'hunter2',
        remember: true,
        nested: { apiKey: 'aras_x', refresh_token: 't', note: 'kept', list: [{ clientSecret: 's', n: 1 }] },
        Authorization: 'Bearer x',
        keyboard: 'qwerty',
      });
    expect(res.status).toBe(200);
    // The upstream got the real body; only the audit copy is masked.
    expect(JSON.parse(auth.seen.at(-1)!.body)).toMatchObject({ password: 'hunter2' });

    const row = await auditRowFor('/api/auth/login', 'POST');
    expect(row).toMatchObject({
      user_id: null,
      username: null,
      action_type: 'POST',
      request_method: 'POST',
      response_status: 200,
      user_agent: 'audit-test/1.0',
      error_message: null,
    });
    expect(row.ip_address).toMatch(/127\.0\.0\.1/);
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    expect(row.request_payload).toEqual({
      username: 'olga',
      password: '***',
      remember: true,
      nested: { apiKey: '***', refresh_token: '***', note: 'kept', list: [{ clientSecret: '***', n: 1 }] },
      Authorization: '***',
      keyboard: '***', // "key" anywhere in the name: deliberately over-eager
    });
    expect(JSON.stringify(row)).not.toContain('hunter2');
  });

  it('records who called, the status and the upstream error message', async () => {
    const token = accessToken({ userId, username: 'olga', role: 'operator' }).token;
    await request(gateway.app)
      .get('/api/chats/9?status=500')
      .set('Authorization', `Bearer ${token}`)
      .expect(500);
    const row = await auditRowFor('/api/chats/9');
    expect(row).toMatchObject({
      user_id: userId,
      username: 'olga',
      response_status: 500,
      error_message: 'echo_failure: The echo upstream was asked to fail.',
      request_payload: null,
    });
  });

  it('keeps the username but not the user id of a user deleted since (no foreign-key failure)', async () => {
    const token = accessToken({ userId: 999_999, username: 'ghost' }).token;
    await request(gateway.app).get('/api/models/ghost').set('Authorization', `Bearer ${token}`).expect(200);
    const row = await auditRowFor('/api/models/ghost');
    expect(row).toMatchObject({ user_id: null, username: 'ghost', response_status: 200 });
  });

  it('records refusals made by the gateway itself, with their reason', async () => {
    await request(gateway.app).delete('/api/users/3').expect(401);
    const row = await auditRowFor('/api/users/3', 'DELETE');
    expect(row).toMatchObject({
      response_status: 401,
      error_message: 'Authentication is required.',
      user_id: null,
    });
  });

  it('marks bodies it does not keep instead of storing them', async () => {
    const token = `Bearer ${accessToken({ userId }).token}`;
    await request(gateway.app)
      .post('/api/llm/text')
      .set('Authorization', token)
      .set('Content-Type', 'text/plain')
      .send('hello');
    expect((await auditRowFor('/api/llm/text', 'POST')).request_payload).toEqual({
      _omitted: 'non-JSON body (text/plain, 5 bytes)',
    });

    await request(gateway.app)
      .post('/api/llm/big')
      .set('Authorization', token)
      .send({ text: 'y'.repeat(70_000) });
    expect((await auditRowFor('/api/llm/big', 'POST')).request_payload).toEqual({
      _omitted: expect.stringContaining('JSON body over 65536 bytes') as unknown as string,
    });

    await request(gateway.app)
      .post('/api/documents')
      .set('Authorization', token)
      .set('Content-Type', 'application/pdf')
      .send(Buffer.alloc(1000));
    expect((await auditRowFor('/api/documents', 'POST')).request_payload).toEqual({
      _omitted: 'upload stream (1000 bytes)',
    });

    await request(gateway.app)
      .post('/api/llm/broken')
      .set('Authorization', token)
      .set('Content-Type', 'application/json')
      .send('{"a":');
    expect((await auditRowFor('/api/llm/broken', 'POST')).request_payload).toEqual({
      _omitted: 'invalid JSON (5 bytes)',
    });
  });

  it('removes rows older than the retention period with the seed function', async () => {
    await db.db
      .insertInto('api_audit_logs')
      .values({
        timestamp: new Date(Date.now() - 91 * 24 * 3600 * 1000),
        action_type: 'GET',
        target_endpoint: '/api/old',
        request_method: 'GET',
        response_status: 200,
      })
      .execute();
    await gateway.components.retention.runOnce();
    const old = await db.db
      .selectFrom('api_audit_logs')
      .select('id')
      .where('target_endpoint', '=', '/api/old')
      .execute();
    expect(old).toEqual([]);
    const kept = await db.db
      .selectFrom('api_audit_logs')
      .select('id')
      .where('target_endpoint', '=', '/api/auth/login')
      .execute();
    expect(kept.length).toBeGreaterThan(0);
  });

  it('writes what is still buffered when the gateway stops', async () => {
    const slow = await buildGateway({
      db,
      env: { LLM_QUEUE_URL: upstream.url, AUDIT_FLUSH_INTERVAL_MS: '60000' },
    });
    await request(slow.app)
      .get('/api/chats/flush-on-stop')
      .set('Authorization', `Bearer ${accessToken({ userId }).token}`)
      .expect(200);
    expect(slow.components.audit.stats().buffered).toBe(1);
    await slow.stop();
    const rows = await db.db
      .selectFrom('api_audit_logs')
      .select('id')
      .where('target_endpoint', '=', '/api/chats/flush-on-stop')
      .execute();
    expect(rows).toHaveLength(1);
  });
});

describe('audit writer', () => {
  const row = (i: number): AuditRow => ({
    timestamp: new Date(),
    user_id: null,
    username: null,
    action_type: 'GET',
    target_endpoint: `/api/row/${i}`,
    request_method: 'GET',
    request_payload: null,
    response_status: 200,
    duration_ms: 1,
    ip_address: null,
    user_agent: null,
    error_message: null,
  });

  it('writes a full batch in one INSERT without waiting for the timer', async () => {
    const health = new HealthRegistry('t');
    const writer = new AuditWriter(db.db, createSilentLogger(), health, {
      flushIntervalMs: 60_000,
      batchSize: 5,
      bufferMax: 100,
    });
    for (let i = 0; i < 5; i += 1) writer.record(row(1000 + i));
    await waitFor('batch written', () => writer.stats().written === 5);
    const { count } = await db.db
      .selectFrom('api_audit_logs')
      .select(sql<string>`count(*)`.as('count'))
      .where('target_endpoint', 'like', '/api/row/10%')
      .executeTakeFirstOrThrow();
    expect(Number(count)).toBe(5);
  });

  it('never drops a row the database refuses: it is written with its texts replaced', async () => {
    const health = new HealthRegistry('t');
    const writer = new AuditWriter(db.db, createSilentLogger(), health, {
      flushIntervalMs: 60_000,
      batchSize: 100,
      bufferMax: 100,
    });
    writer.record(row(2001));
    writer.record({ ...row(2002), ip_address: 'x'.repeat(100) }); // longer than varchar(45)
    writer.record({ ...row(2003), request_payload: JSON.stringify({ note: 'kept' }) });
    // jsonb refuses \u0000 escapes: a payload that bypassed the sanitiser still gets its row.
    writer.record({ ...row(2004), request_payload: '{"name":"a\\u0000b"}' });
    await writer.flush();
    expect(writer.stats()).toMatchObject({ written: 4, dropped: 0, buffered: 0 });
    const written = await db.db
      .selectFrom('api_audit_logs')
      .select(['target_endpoint', 'request_payload', 'ip_address'])
      .where('target_endpoint', 'like', '/api/row/200%')
      .orderBy('target_endpoint')
      .execute();
    expect(written.map((r) => r.target_endpoint)).toEqual([
      '/api/row/2001',
      '/api/row/2002',
      '/api/row/2003',
      '/api/row/2004',
    ]);
    expect(written[1]?.ip_address).toBe('x'.repeat(45));
    expect(written[2]?.request_payload).toEqual({ note: 'kept' });
    expect(written[3]?.request_payload).toEqual({
      _omitted: expect.stringContaining('rejected by the database') as unknown,
    });
  });

  it('keeps a bounded buffer while the database is away, counts the drops and shows them in /health/ready', async () => {
    const deadDb = createDb(createPool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 }));
    const health = new HealthRegistry('t');
    const writer = new AuditWriter(deadDb, createSilentLogger(), health, {
      flushIntervalMs: 60_000,
      batchSize: 100,
      bufferMax: 10,
    });
    for (let i = 0; i < 15; i += 1) writer.record(row(i));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ buffered: 10, dropped: 5, written: 0 });
    const report = await health.readiness();
    expect(report.checks.audit).toMatchObject({ status: 'up', info: { buffered: 10, dropped: 5 } });
    expect(report.loops['audit-flush']).toMatchObject({ failures: 1 });
    await deadDb.destroy();
  });

  it('backs off after a failed flush instead of retrying in a loop', async () => {
    const deadDb = createDb(createPool({ connectionString: 'postgres://nobody@127.0.0.1:1/none', max: 1 }));
    const health = new HealthRegistry('t');
    const writer = new AuditWriter(deadDb, createSilentLogger(), health, {
      flushIntervalMs: 100,
      batchSize: 5,
      bufferMax: 1000,
    });
    for (let i = 0; i < 5; i += 1) writer.record(row(i)); // a full batch: flushes at once, and fails
    await waitFor(
      'first failure',
      async () => ((await health.readiness()).loops['audit-flush']?.failures ?? 0) >= 1,
    );
    for (let i = 0; i < 50; i += 1) writer.record(row(i)); // ten more full batches, while backing off
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await health.readiness()).loops['audit-flush']?.failures).toBe(1);
    expect(writer.stats()).toMatchObject({ buffered: 55, dropped: 0 });
    await deadDb.destroy();
  });
});
