import { sql } from 'kysely';
import request from 'supertest';
import { type TestContext, createTestContext, createUser, login } from './helpers';

let ctx: TestContext;
let admin: Awaited<ReturnType<typeof login>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await createUser(ctx, { username: 'root', password: 'root-password-1', role: 'admin' });
  admin = await login(ctx.app, 'root', 'root-password-1', '10.9.9.9');
});

afterAll(async () => {
  await ctx.close();
});

const attempt = (username: string, password: string, ip: string) =>
  request(ctx.app).post('/api/auth/login').set('X-Forwarded-For', ip).send({ username, password });

async function failTimes(username: string, ip: string, times: number) {
  const statuses: number[] = [];
  for (let i = 0; i < times; i += 1) statuses.push((await attempt(username, 'wrong-password!', ip)).status);
  return statuses;
}

describe('IP tier', () => {
  beforeAll(async () => {
    await createUser(ctx, { username: 'erin', password: 'erin-password-1' });
  });

  it('locks one IP out of one account after 5 failures, with Retry-After', async () => {
    expect(await failTimes('erin', '198.51.100.7', 4)).toEqual([401, 401, 401, 401]);
    const fifth = await attempt('erin', 'wrong-password!', '198.51.100.7');
    expect(fifth.status).toBe(423);
    expect(fifth.body.error.code).toBe('login_locked');

    const sixth = await attempt('erin', 'wrong-password!', '198.51.100.7');
    expect(sixth.status).toBe(423);
    expect(sixth.body.error.code).toBe('login_locked');
    const retryAfter = Number(sixth.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(880);
    expect(retryAfter).toBeLessThanOrEqual(900);
  });

  it('refuses even the right password from the locked IP', async () => {
    const res = await attempt('erin', 'erin-password-1', '198.51.100.7');
    expect(res.status).toBe(423);
    expect(res.body.error.code).toBe('login_locked');
  });

  it('lets the owner in from another IP', async () => {
    const res = await attempt('erin', 'erin-password-1', '198.51.100.8');
    expect(res.status).toBe(200);
  });

  it('records refused attempts without extending the lock', async () => {
    const rows = await ctx.db
      .selectFrom('login_attempts')
      .select(['outcome', 'success'])
      .where('username', '=', 'erin')
      .where('ip_address', '=', '198.51.100.7')
      .orderBy('id')
      .execute();
    expect(rows.map((r) => r.outcome)).toEqual([
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'ip_locked',
      'ip_locked',
    ]);
    const locks = await ctx.db
      .selectFrom('login_lockouts')
      .selectAll()
      .where('username', '=', 'erin')
      .execute();
    expect(locks).toHaveLength(1);
    expect(locks[0]).toMatchObject({ tier: 'ip', ip_address: '198.51.100.7', failed_attempts: 5 });
  });

  it('locks unknown usernames the same way, so 423 never reveals whether an account exists', async () => {
    const statuses = await failTimes('no-such-user', '198.51.100.9', 6);
    expect(statuses).toEqual([401, 401, 401, 401, 423, 423]);
  });

  it('expires: after the lock time the IP may try again', async () => {
    await ctx.db
      .updateTable('login_lockouts')
      .set({ locked_until: sql`now() - interval '1 second'`, locked_at: sql`now() - interval '15 minutes'` })
      .where('username', '=', 'erin')
      .execute();
    await ctx.db
      .updateTable('login_attempts')
      .set({ attempted_at: sql`attempted_at - interval '16 minutes'` })
      .where('username', '=', 'erin')
      .execute();
    const res = await attempt('erin', 'erin-password-1', '198.51.100.7');
    expect(res.status).toBe(200);
  });
});

describe('parallel attempts', () => {
  it('cannot slip past the threshold: 10 parallel guesses from one IP get exactly 5 password checks', async () => {
    await createUser(ctx, { username: 'ivan', password: 'ivan-password-1' });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () =>
        attempt('ivan', 'wrong-password!', '198.51.100.60').then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 401)).toHaveLength(4);
    expect(statuses.filter((s) => s === 423)).toHaveLength(6);
    const checked = await ctx.db
      .selectFrom('login_attempts')
      .select('id')
      .where('username', '=', 'ivan')
      .where('outcome', '=', 'invalid_credentials')
      .execute();
    expect(checked).toHaveLength(5);
  });

  it('never locks anyone out for parallel logins with the right password', async () => {
    await createUser(ctx, { username: 'judy', password: 'judy-password-1' });
    const statuses = await Promise.all(
      Array.from({ length: 8 }, () =>
        attempt('judy', 'judy-password-1', '198.51.100.61').then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(Array.from({ length: 8 }, () => 200));
  });
});

describe('success resets the counters', () => {
  it('counts only failures after the last successful login', async () => {
    await createUser(ctx, { username: 'frank', password: 'frank-password-1' });
    expect(await failTimes('frank', '198.51.100.20', 4)).toEqual([401, 401, 401, 401]);
    expect((await attempt('frank', 'frank-password-1', '198.51.100.20')).status).toBe(200);
    // Four more failures: 8 in the window, but only 4 since the success.
    expect(await failTimes('frank', '198.51.100.20', 4)).toEqual([401, 401, 401, 401]);
    expect((await attempt('frank', 'frank-password-1', '198.51.100.20')).status).toBe(200);
    const user = await ctx.db
      .selectFrom('admin_users')
      .select('login_attempts')
      .where('username', '=', 'frank')
      .executeTakeFirstOrThrow();
    expect(user.login_attempts).toBe(0);
  });
});

describe('account tier', () => {
  let grace: { id: number };

  beforeAll(async () => {
    grace = await createUser(ctx, { username: 'grace', password: 'grace-password-1' });
  });

  it('locks the account after 20 failures from many IPs, announces it and audits it', async () => {
    const statuses: number[] = [];
    // 4 failures from each of 5 IPs: no IP reaches its own threshold of 5.
    for (let ip = 1; ip <= 5; ip += 1) statuses.push(...(await failTimes('grace', `203.0.113.${ip}`, 4)));
    expect(statuses.slice(0, 19).every((s) => s === 401)).toBe(true);
    expect(statuses[19]).toBe(423);

    const next = await attempt('grace', 'grace-password-1', '203.0.113.99');
    expect(next.status).toBe(423);
    expect(next.body.error.code).toBe('account_locked');
    expect(Number(next.headers['retry-after'])).toBeGreaterThan(880);

    const row = await ctx.db
      .selectFrom('admin_users')
      .select('locked_until')
      .where('id', '=', grace.id)
      .executeTakeFirstOrThrow();
    expect(row.locked_until).not.toBeNull();
    const minutes = ((row.locked_until?.getTime() ?? 0) - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(14);
    expect(minutes).toBeLessThanOrEqual(15);

    const event = await ctx.events.waitFor('auth.account.locked', (p) => p.userId === grace.id);
    expect(event.payload).toMatchObject({ username: 'grace', failedAttempts: 20, ip: '203.0.113.5' });
    expect(event.source).toBe('auth');

    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'auth.account.locked')
      .where('resource_id', '=', String(grace.id))
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]?.details).toMatchObject({ status: 'failure', failedAttempts: 20 });
  });

  it('is lifted by an admin: POST /api/users/:id/unlock', async () => {
    const viewer = await createUser(ctx, { username: 'vic', password: 'vic-password-12' });
    const viewerSession = await login(ctx.app, viewer.username, viewer.password);
    const denied = await request(ctx.app).post(`/api/users/${grace.id}/unlock`).set(viewerSession.headers);
    expect(denied.status).toBe(403);

    const res = await request(ctx.app).post(`/api/users/${grace.id}/unlock`).set(admin.headers);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: grace.id, lockedUntil: null, failedLoginAttempts: 0 });

    expect((await attempt('grace', 'grace-password-1', '203.0.113.99')).status).toBe(200);
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'user.unlocked')
      .execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ user_id: admin.identity.userId, resource_id: String(grace.id) });
  });

  it('also locks an unknown username after 20 failures (same 423 account_locked)', async () => {
    const statuses: number[] = [];
    for (let ip = 1; ip <= 5; ip += 1) statuses.push(...(await failTimes('phantom', `192.0.2.${ip}`, 4)));
    expect(statuses[19]).toBe(423);
    const res = await attempt('phantom', 'anything-at-all', '192.0.2.50');
    expect(res.status).toBe(423);
    expect(res.body.error.code).toBe('account_locked');
  });
});
