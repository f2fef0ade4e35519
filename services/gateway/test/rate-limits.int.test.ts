import request from 'supertest';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
import {
  accessToken,
  buildGateway,
  createTestDatabase,
  startEchoUpstream,
  startFakeAuth,
  type RunningHttp,
  type SeenRequest,
  type TestGateway,
} from './helpers';

let db: TestDatabase<Database>;
let upstream: RunningHttp & { seen: SeenRequest[] };
let auth: Awaited<ReturnType<typeof startFakeAuth>>;
let gateway: TestGateway;
let redisDown: TestGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startEchoUpstream();
  auth = await startFakeAuth();
  const env = {
    AUTH_URL: auth.url,
    LLM_QUEUE_URL: upstream.url,
    AUDIT_ENABLED: 'false',
    RATE_LIMIT_USER_PER_MINUTE: '5',
    // These tests stand in for clients behind a configured reverse proxy on loopback.
    TRUST_PROXY: 'loopback',
  };
  gateway = await buildGateway({ db, env });
  // Same gateway, but its Redis is a port where nothing listens.
  redisDown = await buildGateway({ db, env, redisUrl: 'redis://127.0.0.1:1' });
});

afterAll(async () => {
  await gateway.stop();
  await redisDown.stop();
  await auth.close();
  await upstream.close();
  await db.drop();
  // ioredis gives a client that never connected 2 s to close its socket after disconnect(); let it finish.
  await new Promise((resolve) => setTimeout(resolve, 2100));
});

describe('rate limits', () => {
  it('allows 10 logins a minute per IP; the 11th gets 429 with Retry-After and RateLimit headers', async () => {
    const statuses: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 11; i += 1) {
      last = await request(gateway.app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', '198.51.100.7')
        .send({ username: 'admin', password: 'wrong' });
      statuses.push(last.status);
      if (i === 0) {
        expect(last.headers['ratelimit-limit']).toBe('10');
        expect(last.headers['ratelimit-remaining']).toBe('9');
        expect(Number(last.headers['ratelimit-reset'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([...Array<number>(10).fill(200), 429]);
    expect(last!.body).toMatchObject({ error: { code: 'rate_limited' } });
    const retryAfter = Number(last!.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(last!.headers['ratelimit-limit']).toBe('10');
    expect(last!.headers['ratelimit-remaining']).toBe('0');
    expect(last!.headers['ratelimit-reset']).toBe(String(retryAfter));

    // Another client IP has its own budget.
    const other = await request(gateway.app)
      .post('/api/auth/login')
      .set('X-Forwarded-For', '198.51.100.8')
      .send({});
    expect(other.status).toBe(200);
  });

  it('limits users per user (RATE_LIMIT_USER_PER_MINUTE), independent of their IP', async () => {
    const token = accessToken({ userId: 77 }).token;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const res = await request(gateway.app)
        .get('/api/chats')
        .set('Authorization', `Bearer ${token}`)
        .set('X-Forwarded-For', `192.0.2.${i}`);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    const otherUser = await request(gateway.app)
      .get('/api/chats')
      .set('Authorization', `Bearer ${accessToken({ userId: 78 }).token}`);
    expect(otherUser.status).toBe(200);
    expect(otherUser.headers['ratelimit-remaining']).toBe('4');
  });

  it('keeps its windows under the platform key prefix', async () => {
    const keys = await gateway.rawRedis.keys(`${gateway.redisPrefix}gateway:rl:*`);
    expect(keys).toEqual(expect.arrayContaining([`${gateway.redisPrefix}gateway:rl:login:198.51.100.7`]));
  });
});

describe('when Redis is down', () => {
  it('lets authenticated requests through (fail open)', async () => {
    const res = await request(redisDown.app)
      .get('/api/chats')
      .set('Authorization', `Bearer ${accessToken().token}`);
    expect(res.status).toBe(200);
    expect(res.headers['ratelimit-limit']).toBeUndefined();
  });

  it('refuses logins with 503 rate_limiter_unavailable (fail closed)', async () => {
    const res = await request(redisDown.app).post('/api/auth/login').send({ username: 'a', password: 'b' });
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ error: { code: 'rate_limiter_unavailable' } });
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('says so in /api/health', async () => {
    const res = await request(redisDown.app).get('/api/health');
    expect(res.body).toMatchObject({ rateLimiter: 'fail-open', dependencies: { redis: 'down' } });
    const healthy = await request(gateway.app).get('/api/health');
    expect(healthy.body).toMatchObject({ rateLimiter: 'redis', dependencies: { redis: 'up' } });
  });
});

describe('rate limits without a configured proxy (the default)', () => {
  it('ignores X-Forwarded-For, so an invented address does not escape the login limit', async () => {
    const plain = await buildGateway({
      db,
      env: { AUTH_URL: auth.url, AUDIT_ENABLED: 'false', RATE_LIMIT_LOGIN_PER_MINUTE: '3' },
    });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i += 1) {
        const res = await request(plain.app)
          .post('/api/auth/login')
          .set('X-Forwarded-For', `198.51.100.${String(100 + i)}`)
          .send({});
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      // Another spelling of the login path is the same route and the same budget.
      const mixedCase = await request(plain.app).post('/api/auth/Login').send({});
      expect(mixedCase.status).toBe(429);
    } finally {
      await plain.stop();
    }
  });
});
