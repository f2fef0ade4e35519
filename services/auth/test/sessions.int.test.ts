import { meSchema, sessionListSchema } from '@arasul/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { Redis } from 'ioredis';
import {
  type TestContext,
  bearer,
  cookiePair,
  createTestContext,
  createUser,
  identityFromAccessToken,
  internalAuth,
  login,
  setCookies,
  subscribeRevocations,
  waitFor,
} from './helpers';

let ctx: TestContext;
let revocations: Awaited<ReturnType<typeof subscribeRevocations>>;

beforeAll(async () => {
  ctx = await createTestContext();
  revocations = await subscribeRevocations(ctx.redisPrefix);
  await createUser(ctx, { username: 'hank', password: 'hank-password-1', role: 'operator' });
  await createUser(ctx, { username: 'root', password: 'root-password-1', role: 'admin' });
});

afterAll(async () => {
  revocations.close();
  await ctx.close();
});

const refresh = (app: TestContext['app'], cookie: string) =>
  request(app).post('/api/auth/refresh').set('Cookie', cookie).send();

const blacklisted = async (jti: string) =>
  ctx.db.selectFrom('token_blacklist').selectAll().where('token_jti', '=', jti).executeTakeFirst();

describe('refresh', () => {
  it('rotates the refresh token and issues a new access token for the same session', async () => {
    const session = await login(ctx.app, 'hank', 'hank-password-1');
    const res = await refresh(ctx.app, session.refreshCookie);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ username: 'hank', role: 'operator' });
    const next = identityFromAccessToken(res.body.accessToken as string);
    expect(next.sessionId).toBe(session.identity.sessionId);
    expect(next.sessionJti).not.toBe(session.identity.sessionJti);
    const newCookie = cookiePair(setCookies(res), 'arasul_refresh');
    expect(newCookie).not.toBe(session.refreshCookie);

    const stored = await ctx.db
      .selectFrom('refresh_tokens')
      .selectAll()
      .where('session_id', '=', next.sessionId ?? 0)
      .orderBy('id')
      .execute();
    expect(stored).toHaveLength(2);
    expect(stored[0]?.rotated_at).not.toBeNull();
    expect(stored[1]?.rotated_at).toBeNull();
    // Only a hash is stored.
    expect(JSON.stringify(stored)).not.toContain(newCookie.split('=')[1]);

    expect((await refresh(ctx.app, newCookie)).status).toBe(200);
  });

  it('treats a reused (already rotated) refresh token as theft: the whole session is revoked', async () => {
    const session = await login(ctx.app, 'hank', 'hank-password-1');
    const first = await refresh(ctx.app, session.refreshCookie);
    expect(first.status).toBe(200);
    const rotatedCookie = cookiePair(setCookies(first), 'arasul_refresh');
    const currentJti = identityFromAccessToken(first.body.accessToken as string).sessionJti ?? '';

    const replay = await refresh(ctx.app, session.refreshCookie);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('refresh_reused');
    expect(setCookies(replay).some((c) => c.startsWith('arasul_refresh=;'))).toBe(true);

    // The legitimate holder's newer token is dead too, and both access tokens are blacklisted.
    expect((await refresh(ctx.app, rotatedCookie)).status).toBe(401);
    expect(await blacklisted(currentJti)).toBeDefined();
    expect(await blacklisted(session.identity.sessionJti ?? '')).toBeDefined();
    await waitFor(
      () => revocations.messages.find((m) => m.type === 'session' && m.jti === currentJti),
      'revocation message',
    );
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'auth.refresh.reused')
      .execute();
    expect(audit).toHaveLength(1);
  });

  it('answers 401 without a cookie or with an unknown one', async () => {
    expect((await request(ctx.app).post('/api/auth/refresh').send()).body.error.code).toBe(
      'invalid_refresh_token',
    );
    expect((await refresh(ctx.app, 'arasul_refresh=not-a-real-token')).status).toBe(401);
  });
});

describe('session lifetime', () => {
  it('ends a session that was idle longer than SESSION_IDLE_TIMEOUT_SECONDS', async () => {
    const { app } = ctx.appWith({ SESSION_IDLE_TIMEOUT_SECONDS: '1' });
    const session = await login(app, 'hank', 'hank-password-1');
    const kept = await refresh(app, session.refreshCookie);
    expect(kept.status).toBe(200);
    await sleep(1300);
    const res = await refresh(app, cookiePair(setCookies(kept), 'arasul_refresh'));
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('session_expired');
  });

  it('ends a session at SESSION_ABSOLUTE_TIMEOUT_SECONDS however active it is, and caps token lifetimes', async () => {
    const { app } = ctx.appWith({ SESSION_ABSOLUTE_TIMEOUT_SECONDS: '2' });
    const res0 = await request(app)
      .post('/api/auth/login')
      .send({ username: 'hank', password: 'hank-password-1' });
    expect(res0.body.expiresIn).toBeLessThanOrEqual(2);
    expect(cookiePair(setCookies(res0), 'arasul_refresh')).toBeTruthy();
    expect(setCookies(res0).find((c) => c.startsWith('arasul_refresh='))).toMatch(/Max-Age=2/);
    let cookie = cookiePair(setCookies(res0), 'arasul_refresh');
    for (let i = 0; i < 3; i += 1) {
      await sleep(500);
      const res = await refresh(app, cookie);
      if (res.status !== 200) break;
      cookie = cookiePair(setCookies(res), 'arasul_refresh');
    }
    await sleep(800);
    const res = await refresh(app, cookie);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('session_expired');
  });
});

describe('logout', () => {
  it('revokes the session: its access token is blacklisted and announced on the Redis channel', async () => {
    const session = await login(ctx.app, 'hank', 'hank-password-1');
    const jti = session.identity.sessionJti ?? '';
    const res = await request(ctx.app).post('/api/auth/logout').set(session.headers).send();
    expect(res.status).toBe(204);
    expect(setCookies(res).some((c) => c.startsWith('arasul_refresh=;'))).toBe(true);

    const row = await blacklisted(jti);
    expect(row).toMatchObject({ user_id: session.identity.userId });
    const message = await waitFor(
      () => revocations.messages.find((m) => m.type === 'session' && m.jti === jti),
      'session revocation on the channel',
      1000,
    );
    expect(message).toEqual({ type: 'session', jti, expiresAt: row?.expires_at.toISOString() });
    expect((await refresh(ctx.app, session.refreshCookie)).status).toBe(401);

    const list = await request(ctx.app).get('/internal/revocations').set(internalAuth());
    expect(list.status).toBe(200);
    expect(list.body.sessions).toContainEqual({ jti, expiresAt: row?.expires_at.toISOString() });
  });

  it('still revokes with Redis down: token_blacklist is written, the answer does not wait', async () => {
    // A client that never got a connection: what the service holds while Redis is down.
    const deadRedis = new Redis('redis://127.0.0.1:1', { lazyConnect: true, keyPrefix: ctx.redisPrefix });
    try {
      const { app } = ctx.appWith({}, { redis: deadRedis });
      const session = await login(app, 'hank', 'hank-password-1');
      const started = Date.now();
      const res = await request(app).post('/api/auth/logout').set(session.headers).send();
      expect(res.status).toBe(204);
      expect(Date.now() - started).toBeLessThan(1000);
      expect(await blacklisted(session.identity.sessionJti ?? '')).toBeDefined();
      const list = await request(app).get('/internal/revocations').set(internalAuth());
      expect(list.body.sessions.map((s: { jti: string }) => s.jti)).toContain(session.identity.sessionJti);
    } finally {
      deadRedis.disconnect();
    }
  });

  it('also works with only the refresh cookie', async () => {
    const session = await login(ctx.app, 'hank', 'hank-password-1');
    const res = await request(ctx.app).post('/api/auth/logout').set('Cookie', session.refreshCookie).send();
    expect(res.status).toBe(204);
    expect(await blacklisted(session.identity.sessionJti ?? '')).toBeDefined();
  });

  it('blacklists every still-valid access token of the session, not only the newest', async () => {
    const session = await login(ctx.app, 'hank', 'hank-password-1');
    const refreshed = await refresh(ctx.app, session.refreshCookie);
    const newer = identityFromAccessToken(refreshed.body.accessToken as string);
    await request(ctx.app)
      .post('/api/auth/logout')
      .set(bearer(refreshed.body.accessToken as string))
      .send();
    expect(await blacklisted(session.identity.sessionJti ?? '')).toBeDefined();
    expect(await blacklisted(newer.sessionJti ?? '')).toBeDefined();
  });

  it('logout-all ends every session of the user', async () => {
    const a = await login(ctx.app, 'hank', 'hank-password-1', '198.51.100.30');
    const b = await login(ctx.app, 'hank', 'hank-password-1', '198.51.100.31');
    const res = await request(ctx.app).post('/api/auth/logout-all').set(a.headers).send();
    expect(res.status).toBe(204);
    for (const s of [a, b]) {
      expect(await blacklisted(s.identity.sessionJti ?? '')).toBeDefined();
      expect((await refresh(ctx.app, s.refreshCookie)).status).toBe(401);
    }
    const live = await request(ctx.app).get('/api/auth/sessions').set(a.headers);
    expect(live.body.items).toEqual([]);
  });
});

describe('my sessions', () => {
  it('lists my live sessions with the current one marked, and lets me end one', async () => {
    const a = await login(ctx.app, 'hank', 'hank-password-1', '198.51.100.40');
    const b = await login(ctx.app, 'hank', 'hank-password-1', '198.51.100.41');
    const res = await request(ctx.app).get('/api/auth/sessions').set(b.headers);
    expect(res.status).toBe(200);
    expect(sessionListSchema.safeParse(res.body).error).toBeUndefined();
    const items = res.body.items as { id: number; current: boolean; ipAddress: string }[];
    expect(items.find((s) => s.id === b.identity.sessionId)).toMatchObject({
      current: true,
      ipAddress: '198.51.100.41',
    });
    expect(items.find((s) => s.id === a.identity.sessionId)).toMatchObject({ current: false });

    const del = await request(ctx.app).delete(`/api/auth/sessions/${a.identity.sessionId}`).set(b.headers);
    expect(del.status).toBe(204);
    expect(await blacklisted(a.identity.sessionJti ?? '')).toBeDefined();
  });

  it("hides other users' sessions from non-admins, and lets an admin end any", async () => {
    const hank = await login(ctx.app, 'hank', 'hank-password-1');
    const root = await login(ctx.app, 'root', 'root-password-1');
    const foreign = await request(ctx.app)
      .delete(`/api/auth/sessions/${root.identity.sessionId}`)
      .set(hank.headers);
    expect(foreign.status).toBe(404);
    const byAdmin = await request(ctx.app)
      .delete(`/api/auth/sessions/${hank.identity.sessionId}`)
      .set(root.headers);
    expect(byAdmin.status).toBe(204);
    expect(await blacklisted(hank.identity.sessionJti ?? '')).toBeDefined();
  });

  it('GET /api/auth/me answers for the signed-in user and refuses anonymous callers', async () => {
    const hank = await login(ctx.app, 'hank', 'hank-password-1');
    const me = await request(ctx.app).get('/api/auth/me').set(hank.headers);
    expect(me.status).toBe(200);
    expect(meSchema.safeParse(me.body).error).toBeUndefined();
    expect(me.body).toMatchObject({ username: 'hank', role: 'operator', sessionId: hank.identity.sessionId });
    expect((await request(ctx.app).get('/api/auth/me')).status).toBe(401);
    const forged = await request(ctx.app).get('/api/auth/me').set('X-Arasul-Identity', 'forged.token.value');
    expect(forged.status).toBe(401);
    expect(forged.body.error.code).toBe('invalid_identity');
  });
});
