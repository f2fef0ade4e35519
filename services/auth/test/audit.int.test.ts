import { auditLogPageSchema } from '@arasul/contracts';
import request from 'supertest';
import { type LoggedIn, type TestContext, createTestContext, createUser, login } from './helpers';

let ctx: TestContext;
let admin: LoggedIn;
let viewer: LoggedIn;

beforeAll(async () => {
  ctx = await createTestContext();
  await createUser(ctx, { username: 'root', password: 'root-password-1', role: 'admin' });
  await createUser(ctx, { username: 'vera', password: 'vera-password-1' });
  admin = await login(ctx.app, 'root', 'root-password-1', '198.51.100.1');
  viewer = await login(ctx.app, 'vera', 'vera-password-1', '198.51.100.2');
  await request(ctx.app).post('/api/auth/login').send({ username: 'vera', password: 'wrong-password' });
  await request(ctx.app).post('/api/auth/login').send({ username: 'ghost', password: 'wrong-password' });
  for (let i = 0; i < 5; i += 1) {
    await request(ctx.app)
      .post('/api/users')
      .set(admin.headers)
      .send({ username: `user${i}`, password: `user-password-${i}`, role: 'viewer' });
  }
  const rows = Array.from({ length: 6 }, (_, i) => ({
    timestamp: new Date(Date.UTC(2025, 0, 1 + (i % 2), 12)),
    user_id: null,
    username: 'n8n',
    action_type: 'GET',
    target_endpoint: i < 4 ? '/api/metrics/live' : '/api/documents',
    request_method: 'GET',
    response_status: i === 0 ? 500 : 200,
    duration_ms: 10 * (i + 1),
  }));
  await ctx.db.insertInto('api_audit_logs').values(rows).execute();
});

afterAll(async () => {
  await ctx.close();
});

const logs = (query: Record<string, string | number>) =>
  request(ctx.app).get('/api/audit/logs').query(query).set(admin.headers);

describe('GET /api/audit/logs', () => {
  it('is for admins only', async () => {
    expect((await request(ctx.app).get('/api/audit/logs').set(viewer.headers)).status).toBe(403);
    expect((await request(ctx.app).get('/api/audit/api/daily').set(viewer.headers)).status).toBe(403);
  });

  it('filters by action, user and status, newest first, with the total', async () => {
    const created = await logs({ action: 'user.created' });
    expect(created.status).toBe(200);
    expect(auditLogPageSchema.safeParse(created.body).error).toBeUndefined();
    expect(created.body.total).toBe(5);
    expect(created.body.items.map((i: { details: { username: string } }) => i.details.username)).toEqual([
      'user4',
      'user3',
      'user2',
      'user1',
      'user0',
    ]);
    expect(created.body.items[0]).toMatchObject({
      userId: admin.identity.userId,
      username: 'root',
      status: 'success',
      resourceType: 'user',
    });

    const failures = await logs({ status: 'failure', action: 'auth.login.failure' });
    expect(failures.body.total).toBe(2);
    expect(
      failures.body.items.map((i: { details: { username: string } }) => i.details.username).sort(),
    ).toEqual(['ghost', 'vera']);

    const byUser = await logs({ userId: viewer.identity.userId });
    expect(byUser.body.items.every((i: { userId: number }) => i.userId === viewer.identity.userId)).toBe(
      true,
    );
    expect(byUser.body.total).toBe(2);
  });

  it('paginates with limit and offset (limit at most 200)', async () => {
    const page1 = await logs({ action: 'user.created', limit: 2, offset: 0 });
    const page2 = await logs({ action: 'user.created', limit: 2, offset: 2 });
    const page3 = await logs({ action: 'user.created', limit: 2, offset: 4 });
    expect([page1.body.items.length, page2.body.items.length, page3.body.items.length]).toEqual([2, 2, 1]);
    const ids = [...page1.body.items, ...page2.body.items, ...page3.body.items].map(
      (i: { id: number }) => i.id,
    );
    expect(new Set(ids).size).toBe(5);
    expect(page2.body).toMatchObject({ total: 5, limit: 2, offset: 2 });
    expect((await logs({ limit: 201 })).status).toBe(400);
    expect((await logs({ action: 'no.such.action' })).status).toBe(400);
  });

  it('filters by time range', async () => {
    const future = await logs({ from: new Date(Date.now() + 60_000).toISOString() });
    expect(future.body).toMatchObject({ total: 0, items: [] });
    const all = await logs({
      from: new Date(Date.now() - 3_600_000).toISOString(),
      to: new Date(Date.now() + 1000).toISOString(),
    });
    expect(all.body.total).toBeGreaterThanOrEqual(9);
  });
});

describe('API usage views', () => {
  it('GET /api/audit/api/daily reads api_audit_daily_stats', async () => {
    const res = await request(ctx.app)
      .get('/api/audit/api/daily')
      .query({ from: '2025-01-01', to: '2025-01-31' })
      .set(admin.headers);
    expect(res.status).toBe(200);
    expect(res.body.items).toEqual([
      {
        day: '2025-01-02',
        actionType: 'GET',
        totalRequests: 3,
        successfulRequests: 3,
        failedRequests: 0,
        uniqueUsers: 0,
        avgDurationMs: 40,
        maxDurationMs: 60,
      },
      {
        day: '2025-01-01',
        actionType: 'GET',
        totalRequests: 3,
        successfulRequests: 2,
        failedRequests: 1,
        uniqueUsers: 0,
        avgDurationMs: 30,
        maxDurationMs: 50,
      },
    ]);
  });

  it('GET /api/audit/api/endpoints reads api_audit_endpoint_stats', async () => {
    const res = await request(ctx.app).get('/api/audit/api/endpoints').set(admin.headers);
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({
      endpoint: '/api/metrics/live',
      method: 'GET',
      totalRequests: 4,
      errorCount: 1,
      maxDurationMs: 40,
    });
    expect(res.body.items[1]).toMatchObject({ endpoint: '/api/documents', totalRequests: 2, errorCount: 0 });
  });
});
