import { Redis } from 'ioredis';
import request from 'supertest';
import type { Database } from '@arasul/db';
import { createRedis } from '@arasul/service-kit';
import { createSilentLogger, TEST_REDIS_URL, type TestDatabase } from '@arasul/testkit';
import {
  INTERNAL_SECRET,
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

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startEchoUpstream();
  auth = await startFakeAuth();
  gateway = await buildGateway({
    db,
    env: {
      AUTH_URL: auth.url,
      LLM_QUEUE_URL: upstream.url,
      REVOCATION_SYNC_INTERVAL_MS: '200',
      AUDIT_ENABLED: 'false',
    },
  });
});

afterAll(async () => {
  await gateway.stop();
  await auth.close();
  await upstream.close();
  await db.drop();
});

describe('session revocation', () => {
  it('refuses a token within a second of auth publishing its revocation', async () => {
    // The periodic sync must not be what catches it: stop it for this test.
    gateway.components.revocationFeed.stop();
    const { token, jti, expiresAt } = accessToken({ userId: 5 });
    expect(
      (await request(gateway.app).get('/api/chats').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);

    // Auth publishes through its own client, which has the platform key prefix: ioredis must not add it
    // to the channel name a second time.
    const authRedis = createRedis({
      url: TEST_REDIS_URL,
      keyPrefix: gateway.redisPrefix,
      logger: createSilentLogger(),
    });
    const doublePrefixed = new Redis(TEST_REDIS_URL);
    const strayMessages: string[] = [];
    doublePrefixed.on('message', (_channel: string, message: string) => strayMessages.push(message));
    await doublePrefixed.subscribe(`${gateway.redisPrefix}${gateway.redisPrefix}auth:revocations`);

    const receivers = await authRedis.publish(
      `${gateway.redisPrefix}auth:revocations`,
      JSON.stringify({ type: 'session', jti, expiresAt: expiresAt.toISOString() }),
    );
    const published = Date.now();
    expect(receivers).toBe(1); // the gateway's subscriber, on exactly this name

    await waitFor('revoked token refused', async () => {
      const res = await request(gateway.app).get('/api/chats').set('Authorization', `Bearer ${token}`);
      return res.status === 401;
    });
    expect(Date.now() - published).toBeLessThan(1000);
    expect(strayMessages).toEqual([]);

    // Other sessions of the same user are unaffected.
    const other = accessToken({ userId: 5 }).token;
    expect(
      (await request(gateway.app).get('/api/chats').set('Authorization', `Bearer ${other}`)).status,
    ).toBe(200);
    authRedis.disconnect();
    doublePrefixed.disconnect();
  });

  it('ignores malformed messages on the channel', async () => {
    await gateway.rawRedis.publish(`${gateway.redisPrefix}auth:revocations`, 'not json');
    await gateway.rawRedis.publish(
      `${gateway.redisPrefix}auth:revocations`,
      JSON.stringify({ type: 'session' }),
    );
    const { token } = accessToken();
    expect(
      (await request(gateway.app).get('/api/chats').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
  });

  it("catches revocations missed by pub/sub from auth's /internal/revocations list", async () => {
    const { token, jti, expiresAt } = accessToken({ userId: 6 });
    expect(
      (await request(gateway.app).get('/api/chats').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(200);
    auth.revocations.sessions.push({ jti, expiresAt: expiresAt.toISOString() });
    const callsBefore = auth.calls.revocations;
    await gateway.components.revocationFeed.syncOnce();
    expect(auth.calls.revocations).toBe(callsBefore + 1);
    expect(
      (await request(gateway.app).get('/api/chats').set('Authorization', `Bearer ${token}`)).status,
    ).toBe(401);
  });

  it('loads the revocation list on start and reports the sync loop in /health/ready', async () => {
    const { token, jti, expiresAt } = accessToken({ userId: 8 });
    auth.revocations.sessions.push({ jti, expiresAt: expiresAt.toISOString() });
    const fresh = await buildGateway({
      db,
      env: { AUTH_URL: auth.url, LLM_QUEUE_URL: upstream.url, AUDIT_ENABLED: 'false' },
    });
    expect((await request(fresh.app).get('/api/chats').set('Authorization', `Bearer ${token}`)).status).toBe(
      401,
    );
    const ready = await request(fresh.app)
      .get('/health/ready')
      .set('Authorization', `Bearer ${INTERNAL_SECRET}`);
    expect(ready.status).toBe(200);
    expect(
      (ready.body as { loops: Record<string, { runs: number; failures: number }> }).loops['revocation-sync'],
    ).toMatchObject({
      failures: 0,
    });
    await fresh.stop();
  });
});
