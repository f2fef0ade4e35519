import { loginResponseSchema } from '@arasul/contracts';
import request from 'supertest';
import { verifyAccessToken } from '@arasul/service-kit';
import {
  JWT_SECRET,
  type TestContext,
  createTestContext,
  createUser,
  login,
  median,
  setCookies,
} from './helpers';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});

afterAll(async () => {
  await ctx.close();
});

describe('first-run setup', () => {
  it('creates exactly one admin when two setups race, and signs that admin in', async () => {
    const before = await request(ctx.app).get('/api/auth/needs-setup');
    expect(before.body).toEqual({ needsSetup: true });

    const [a, b] = await Promise.all([
      request(ctx.app).post('/api/auth/setup').send({ username: 'alice', password: 'alice-password-1' }),
      request(ctx.app).post('/api/auth/setup').send({ username: 'bob', password: 'bob-password-12' }),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const winner = a.status === 201 ? a : b;
    const loser = a.status === 201 ? b : a;
    expect((loser.body as { error: { code: string } }).error.code).toBe('setup_done');
    expect(winner.body).toMatchObject({ expiresIn: 900, user: { role: 'admin' } });
    expect(setCookies(winner).some((c) => c.startsWith('arasul_refresh='))).toBe(true);

    const users = await ctx.db.selectFrom('admin_users').select(['username', 'role']).execute();
    expect(users).toHaveLength(1);
    expect(users[0]?.role).toBe('admin');
    expect((await request(ctx.app).get('/api/auth/needs-setup')).body).toEqual({ needsSetup: false });
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'auth.setup')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('refuses a later setup with 409 setup_done', async () => {
    const res = await request(ctx.app)
      .post('/api/auth/setup')
      .send({ username: 'mallory', password: 'mallory-pass-1' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('setup_done');
  });
});

describe('login', () => {
  beforeAll(async () => {
    await createUser(ctx, { username: 'Carol', password: 'carol-password-1', role: 'operator' });
    await createUser(ctx, {
      username: 'dave',
      password: 'dave-password-12',
      role: 'viewer',
      isActive: false,
    });
  });

  it('answers with an access token and the user, and sets the session cookies with the right flags', async () => {
    const res = await request(ctx.app)
      .post('/api/auth/login')
      .set('X-Forwarded-For', '203.0.113.10')
      .set('User-Agent', 'jest-browser')
      .send({ username: 'carol', password: 'carol-password-1' });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(['accessToken', 'expiresIn', 'user']);
    expect(loginResponseSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body.expiresIn).toBe(900);
    expect(res.body.user).toEqual({ id: expect.any(Number), username: 'Carol', role: 'operator' });

    const claims = verifyAccessToken(res.body.accessToken as string, JWT_SECRET);
    expect(claims).toMatchObject({ sub: String(res.body.user.id), role: 'operator', username: 'Carol' });
    expect(claims.exp - claims.iat).toBe(900);

    const cookies = setCookies(res);
    const refresh = cookies.find((c) => c.startsWith('arasul_refresh='));
    const csrf = cookies.find((c) => c.startsWith('arasul_csrf='));
    expect(refresh).toMatch(/HttpOnly/i);
    expect(refresh).toMatch(/SameSite=Strict/i);
    expect(refresh).toMatch(/Path=\/api\/auth(;|$)/);
    expect(refresh).toMatch(/Max-Age=43200/);
    expect(refresh).not.toMatch(/Secure/i);
    expect(csrf).not.toMatch(/HttpOnly/i);
    expect(csrf).toMatch(/SameSite=Strict/i);
    expect(csrf).toMatch(/Path=\/(;|$)/);

    const session = await ctx.db
      .selectFrom('active_sessions')
      .selectAll()
      .where('id', '=', claims.sid)
      .executeTakeFirstOrThrow();
    expect(session).toMatchObject({
      token_jti: claims.jti,
      ip_address: '203.0.113.10',
      user_agent: 'jest-browser',
    });
    const attempt = await ctx.db
      .selectFrom('login_attempts')
      .selectAll()
      .where('username', '=', 'carol')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(attempt).toMatchObject({ success: true, outcome: 'success', ip_address: '203.0.113.10' });
  });

  it('marks cookies Secure when COOKIE_SECURE=true', async () => {
    const { app } = ctx.appWith({ COOKIE_SECURE: 'true' });
    const res = await request(app)
      .post('/api/auth/login')
      .send({ username: 'carol', password: 'carol-password-1' });
    expect(res.status).toBe(200);
    for (const cookie of setCookies(res)) expect(cookie).toMatch(/; Secure/);
  });

  it('gives an unknown user, a wrong password and a deactivated account the same answer', async () => {
    const answers = await Promise.all([
      request(ctx.app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', '203.0.113.20')
        .send({ username: 'nobody', password: 'whatever-123' }),
      request(ctx.app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', '203.0.113.21')
        .send({ username: 'carol', password: 'wrong-password' }),
      request(ctx.app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', '203.0.113.22')
        .send({ username: 'dave', password: 'dave-password-12' }),
    ]);
    for (const res of answers) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({
        error: { code: 'invalid_credentials', message: 'Invalid username or password.' },
      });
      expect(setCookies(res)).toEqual([]);
    }
    const unknown = await ctx.db
      .selectFrom('login_attempts')
      .selectAll()
      .where('username', '=', 'nobody')
      .execute();
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({
      success: false,
      outcome: 'invalid_credentials',
      ip_address: '203.0.113.20',
    });
  });

  it('takes the same time for an unknown user as for a wrong password (argon2 against a dummy hash)', async () => {
    const time = async (username: string, ip: string) => {
      const started = performance.now();
      const res = await request(ctx.app)
        .post('/api/auth/login')
        .set('X-Forwarded-For', ip)
        .send({ username, password: 'not-the-password' });
      expect(res.status).toBe(401);
      return performance.now() - started;
    };
    // Warm-up (the dummy hash is computed on first use), then interleave so load drifts hit both alike.
    await time('ghost', '192.0.2.200');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      // Different IPs and usernames keep the lockout out of the measurement.
      known.push(await time('carol', `192.0.2.${i}`));
      unknown.push(await time(`ghost-${i}`, `192.0.2.${100 + i}`));
    }
    const [a, b] = [median(known), median(unknown)];
    // Skipping argon2 for unknown users would make them ~10× faster; equal work stays well within this.
    expect(Math.min(a, b) / Math.max(a, b)).toBeGreaterThan(0.6);
    expect(Math.min(a, b)).toBeGreaterThan(15);
  });

  it('rejects a malformed body with 400 and never a 500', async () => {
    const res = await request(ctx.app).post('/api/auth/login').send({ username: 'carol' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('logs a successful and a failed login in the security audit, without the password', async () => {
    const rows = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', 'in', ['auth.login.success', 'auth.login.failure'])
      .execute();
    expect(rows.some((r) => r.action === 'auth.login.success')).toBe(true);
    expect(
      rows.some(
        (r) =>
          r.action === 'auth.login.failure' && (r.details as { username?: string }).username === 'nobody',
      ),
    ).toBe(true);
    expect(JSON.stringify(rows)).not.toContain('carol-password-1');
    expect(JSON.stringify(rows)).not.toContain('wrong-password');
  });

  it('publishes auth.login.failed for a wrong password', async () => {
    const event = await ctx.events.waitFor('auth.login.failed', (p) => p.username === 'carol');
    expect(event.payload).toMatchObject({ reason: 'invalid_credentials' });
  });

  it('accepts any letter case of the username', async () => {
    const session = await login(ctx.app, 'CAROL', 'carol-password-1');
    expect(session.identity.username).toBe('Carol');
  });
});
