import request from 'supertest';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
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

const KEY = 'aras_live_0123456789abcdef0123456789abcdef';
const LIMITED_KEY = 'aras_limited_0123456789abcdef01234567';
const NARROW_KEY = 'aras_narrow_0123456789abcdef012345678';
const DOOMED_KEY = 'aras_doomed_0123456789abcdef012345678';
const OLD_KEY = 'aras_rotold_0123456789abcdef012345678';
const NEW_KEY = 'aras_rotnew_0123456789abcdef012345678';
const QUIET_KEY = 'aras_quietr_0123456789abcdef012345678';

beforeAll(async () => {
  db = await createTestDatabase();
  // api_key_usage references api_keys, which references admin_users: create the rows the keys stand for.
  const user = await db.db
    .insertInto('admin_users')
    .values({ username: 'admin', password_hash: 'x', email: 'admin@example.com' })
    .returning('id')
    .executeTakeFirstOrThrow();
  for (const id of [101, 102, 103, 104, 105, 106, 107]) {
    await db.db
      .insertInto('api_keys')
      .values({ id, key_hash: 'h', key_prefix: 'aras_xxx', name: `key ${id}`, created_by: user.id })
      .execute();
  }
  upstream = await startEchoUpstream();
  auth = await startFakeAuth([
    { key: KEY, apiKeyId: 101, userId: user.id },
    { key: LIMITED_KEY, apiKeyId: 102, userId: user.id, rateLimitPerMinute: 3 },
    { key: NARROW_KEY, apiKeyId: 103, userId: user.id, allowedEndpoints: ['/v1/*', '/api/llm/chat'] },
    { key: DOOMED_KEY, apiKeyId: 104, userId: user.id },
    { key: OLD_KEY, apiKeyId: 105, userId: user.id },
    { key: QUIET_KEY, apiKeyId: 107, userId: user.id },
  ]);
  // Slow periodic sync, so only pub/sub can explain a revocation seen within a second.
  gateway = await buildGateway({
    db,
    env: { AUTH_URL: auth.url, LLM_QUEUE_URL: upstream.url, REVOCATION_SYNC_INTERVAL_MS: '60000' },
  });
});

afterAll(async () => {
  await gateway.stop();
  await auth.close();
  await upstream.close();
  await db.drop();
});

describe('API keys', () => {
  it('accepts X-API-Key and Bearer aras_…, forwards the key identity, and asks auth only once', async () => {
    const before = auth.calls.verify;
    const first = await request(gateway.app).get('/api/models').set('X-API-Key', KEY);
    expect(first.status).toBe(200);
    expect(upstream.seen.at(-1)!.identity).toMatchObject({
      authType: 'api_key',
      apiKeyId: 101,
      scopes: ['llm:chat'],
    });
    expect(upstream.seen.at(-1)!.headers['x-api-key']).toBeUndefined();

    const second = await request(gateway.app).get('/v1/models').set('Authorization', `Bearer ${KEY}`);
    expect(second.status).toBe(200);
    expect(upstream.seen.at(-1)!.headers.authorization).toBeUndefined();
    expect(auth.calls.verify - before).toBe(1);
  });

  it('refuses an unknown key with 401 invalid_api_key and remembers the refusal briefly', async () => {
    const before = auth.calls.verify;
    for (let i = 0; i < 3; i += 1) {
      const res = await request(gateway.app)
        .get('/api/models')
        .set('X-API-Key', 'aras_unknown_key_000000000000000000');
      expect(res.status).toBe(401);
      expect((res.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
    }
    expect(auth.calls.verify - before).toBe(1);
  });

  it('evicts a key revoked over Redis pub/sub: the next request is 401 within a second', async () => {
    expect((await request(gateway.app).get('/api/models').set('X-API-Key', DOOMED_KEY)).status).toBe(200);
    auth.revocations.apiKeyIds.push(104);
    // Published like auth does: through its own prefixed client, on the channel name with the prefix written out.
    await gateway.rawRedis.publish(
      `${gateway.redisPrefix}auth:revocations`,
      JSON.stringify({ type: 'api_key', apiKeyId: 104 }),
    );
    const started = Date.now();
    await waitFor('revoked key refused', async () => {
      const res = await request(gateway.app).get('/api/models').set('X-API-Key', DOOMED_KEY);
      return res.status === 401;
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('enforces allowedEndpoints patterns with 403 endpoint_not_allowed', async () => {
    expect(
      (await request(gateway.app).post('/v1/chat/completions').set('X-API-Key', NARROW_KEY).send({})).status,
    ).toBe(200);
    expect(
      (await request(gateway.app).post('/api/llm/chat').set('X-API-Key', NARROW_KEY).send({})).status,
    ).toBe(200);
    const refused = await request(gateway.app).get('/api/models').set('X-API-Key', NARROW_KEY);
    expect(refused.status).toBe(403);
    expect((refused.body as { error: { code: string } }).error.code).toBe('endpoint_not_allowed');
  });

  it('limits a key to its own rateLimitPerMinute: the 4th request of a 3/min key gets 429', async () => {
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 4; i += 1) {
      last = await request(gateway.app).get('/api/models').set('X-API-Key', LIMITED_KEY);
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect((last!.body as { error: { code: string } }).error.code).toBe('rate_limited');
    expect(Number(last!.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(last!.headers['ratelimit-limit']).toBe('3');
    expect(last!.headers['ratelimit-remaining']).toBe('0');
  });

  it('counts key requests in api_key_usage (request_count, mean time) and writes none for JWT requests', async () => {
    for (let i = 0; i < 3; i += 1) await request(gateway.app).get('/api/models?x=1').set('X-API-Key', KEY);
    await request(gateway.app).get('/api/models').set('Authorization', `Bearer ${accessToken().token}`);
    // Earlier tests in this file made 2 requests with this key; 5 in all, on /api/models and /v1/models.
    const rows = await waitFor('usage rows', async () => {
      const found = await db.db
        .selectFrom('api_key_usage')
        .selectAll()
        .where('api_key_id', '=', 101)
        .execute();
      return found.reduce((sum, r) => sum + r.request_count, 0) >= 5 ? found : undefined;
    });
    const models = rows.filter((r) => r.endpoint === '/api/models');
    expect(models.reduce((sum, r) => sum + r.request_count, 0)).toBe(4);
    expect(models.at(-1)).toMatchObject({ method: 'GET', status_code: 200, request_ip: expect.any(String) });
    expect(models.at(-1)!.response_time_ms).toBeGreaterThanOrEqual(0);
    const all = await db.db.selectFrom('api_key_usage').select(['api_key_id', 'request_count']).execute();
    expect(all.reduce((sum, r) => sum + r.request_count, 0)).toBeGreaterThanOrEqual(5);
    const limited = await waitFor('429 usage row', async () => {
      const found = await db.db
        .selectFrom('api_key_usage')
        .select(['status_code', 'request_count'])
        .where('api_key_id', '=', 102)
        .execute();
      return found.reduce((sum, r) => sum + r.request_count, 0) >= 4 ? found : undefined;
    });
    const byStatus = new Map<number, number>();
    for (const r of limited)
      byStatus.set(r.status_code, (byStatus.get(r.status_code) ?? 0) + r.request_count);
    expect(Object.fromEntries(byStatus)).toEqual({ 200: 3, 429: 1 });
  });

  it('serves a rotated key from the cache until auth publishes the rotation, then refuses it within a second', async () => {
    const before = auth.calls.verify;
    for (let i = 0; i < 5; i += 1) {
      expect((await request(gateway.app).get('/api/models').set('X-API-Key', OLD_KEY)).status).toBe(200);
    }
    expect(auth.calls.verify - before).toBe(1); // cached after the first answer
    // Auth's rotation: a new key (a new id) and, without a grace period, the old id revoked and published.
    auth.keys.push({ key: NEW_KEY, apiKeyId: 106, userId: auth.keys[0]!.userId ?? 1 });
    auth.revocations.apiKeyIds.push(105);
    await gateway.rawRedis.publish(
      `${gateway.redisPrefix}auth:revocations`,
      JSON.stringify({ type: 'api_key', apiKeyId: 105 }),
    );
    const started = Date.now();
    await waitFor('old key refused', async () => {
      const res = await request(gateway.app).get('/api/models').set('X-API-Key', OLD_KEY);
      return res.status === 401;
    });
    expect(Date.now() - started).toBeLessThan(1000);
    const fresh = await request(gateway.app).get('/api/models').set('X-API-Key', NEW_KEY);
    expect(fresh.status).toBe(200);
    expect(upstream.seen.at(-1)!.identity).toMatchObject({ apiKeyId: 106 });
  });

  it('refuses a cached key after the revocation reload when the pub/sub message was lost', async () => {
    expect((await request(gateway.app).get('/api/models').set('X-API-Key', QUIET_KEY)).status).toBe(200);
    expect((await request(gateway.app).get('/api/models').set('X-API-Key', QUIET_KEY)).status).toBe(200);
    auth.revocations.apiKeyIds.push(107); // revoked in auth, nothing published
    await gateway.components.revocationFeed.syncOnce();
    const res = await request(gateway.app).get('/api/models').set('X-API-Key', QUIET_KEY);
    expect(res.status).toBe(401);
    expect((res.body as { error: { code: string } }).error.code).toBe('invalid_api_key');
  });
});

describe('anonymous routes', () => {
  it('pass without credentials and never forward a forged identity', async () => {
    const res = await request(gateway.app)
      .post('/api/auth/login')
      .set('X-Arasul-Identity', 'forged')
      .send({ username: 'admin', password: 'secret' });
    expect(res.status).toBe(200);
    const seen = auth.seen.at(-1)!;
    expect(seen.url).toBe('/api/auth/login');
    expect(seen.headers['x-arasul-identity']).toBeUndefined();
    expect(JSON.parse(seen.body)).toEqual({ username: 'admin', password: 'secret' });
  });

  it('still work with an expired token (so refresh is reachable) and forward a valid one', async () => {
    const expired = accessToken({}, { ttlSeconds: -5 }).token;
    const refresh = await request(gateway.app)
      .post('/api/auth/refresh')
      .set('Authorization', `Bearer ${expired}`);
    expect(refresh.status).toBe(200);
    expect(auth.seen.at(-1)!.identity).toBeNull();

    const logout = await request(gateway.app)
      .post('/api/auth/logout')
      .set('Authorization', `Bearer ${accessToken({ userId: 3 }).token}`);
    expect(logout.status).toBe(200);
    expect(auth.seen.at(-1)!.identity?.userId).toBe(3);
  });
});
