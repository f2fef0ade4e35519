import { userListSchema, userSchema } from '@arasul/contracts';
import { PassThrough } from 'node:stream';
import request from 'supertest';
import { runResetPassword } from '../src/cli/reset-password';
import {
  INTERNAL_SECRET,
  JWT_SECRET,
  type LoggedIn,
  type TestContext,
  createTestContext,
  createUser,
  internalAuth,
  login,
  subscribeRevocations,
  waitFor,
} from './helpers';

let ctx: TestContext;
let admin: LoggedIn;
let operator: LoggedIn;
let viewer: LoggedIn;

beforeAll(async () => {
  ctx = await createTestContext();
  await createUser(ctx, { username: 'root', password: 'root-password-1', role: 'admin' });
  await createUser(ctx, { username: 'olga', password: 'olga-password-1', role: 'operator' });
  await createUser(ctx, { username: 'vera', password: 'vera-password-1', role: 'viewer' });
  [admin, operator, viewer] = await Promise.all([
    login(ctx.app, 'root', 'root-password-1'),
    login(ctx.app, 'olga', 'olga-password-1'),
    login(ctx.app, 'vera', 'vera-password-1'),
  ]);
});

afterAll(async () => {
  await ctx.close();
});

const blacklisted = async (jti: string | undefined) =>
  (await ctx.db
    .selectFrom('token_blacklist')
    .select('id')
    .where('token_jti', '=', jti ?? '')
    .executeTakeFirst()) !== undefined;

describe('user administration is for admins only', () => {
  it.each([
    ['GET', '/api/users'],
    ['POST', '/api/users'],
    ['PATCH', '/api/users/1'],
    ['DELETE', '/api/users/1'],
  ])('%s %s: viewer 403, operator 403, anonymous 401', async (method, path) => {
    const verb = method.toLowerCase() as 'get' | 'post' | 'patch' | 'delete';
    const call = (headers: Record<string, string>) => {
      const agent = request(ctx.app);
      return agent[verb](path).set(headers).send({ role: 'viewer' });
    };
    expect((await call(viewer.headers)).status).toBe(403);
    expect((await call(operator.headers)).status).toBe(403);
    expect((await call({})).status).toBe(401);
  });

  it('lists users without password hashes', async () => {
    const res = await request(ctx.app).get('/api/users').set(admin.headers);
    expect(res.status).toBe(200);
    expect(userListSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body.items.map((u: { username: string }) => u.username)).toEqual(['root', 'olga', 'vera']);
    expect(JSON.stringify(res.body)).not.toContain('argon2');
    expect(res.body.items[0]).toMatchObject({ role: 'admin', isActive: true, lockedUntil: null });
  });
});

describe('create, update, delete', () => {
  it('creates a user with a role under the password policy', async () => {
    const short = await request(ctx.app)
      .post('/api/users')
      .set(admin.headers)
      .send({ username: 'newbie', password: 'short', role: 'viewer' });
    expect(short.status).toBe(400);
    expect(short.body.error.code).toBe('password_too_short');
    const same = await request(ctx.app)
      .post('/api/users')
      .set(admin.headers)
      .send({ username: 'Newbie-1234', password: 'newbie-1234', role: 'viewer' });
    expect(same.body.error.code).toBe('password_equals_username');

    const res = await request(ctx.app).post('/api/users').set(admin.headers).send({
      username: 'newbie',
      password: 'newbie-password',
      role: 'operator',
      email: 'newbie@example.com',
    });
    expect(res.status).toBe(201);
    expect(userSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body).toMatchObject({
      username: 'newbie',
      role: 'operator',
      email: 'newbie@example.com',
      isActive: true,
    });
    expect((await login(ctx.app, 'newbie', 'newbie-password')).identity.role).toBe('operator');

    const dup = await request(ctx.app)
      .post('/api/users')
      .set(admin.headers)
      .send({ username: 'NEWBIE', password: 'another-password', role: 'viewer' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('username_taken');
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'user.created')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain('newbie-password');
  });

  it('changes a role, which ends the sessions signed with the old one', async () => {
    const user = await createUser(ctx, { username: 'rolf', password: 'rolf-password-1', role: 'viewer' });
    const session = await login(ctx.app, 'rolf', 'rolf-password-1');
    const res = await request(ctx.app)
      .patch(`/api/users/${user.id}`)
      .set(admin.headers)
      .send({ role: 'operator' });
    expect(res.status).toBe(200);
    expect(res.body.role).toBe('operator');
    expect(await blacklisted(session.identity.sessionJti)).toBe(true);
  });

  it('deactivating a user revokes their sessions and API keys', async () => {
    const user = await createUser(ctx, { username: 'kate', password: 'kate-password-1', role: 'admin' });
    const session = await login(ctx.app, 'kate', 'kate-password-1');
    const key = await request(ctx.app)
      .post('/api/api-keys')
      .set(session.headers)
      .send({ name: 'kate-key', scopes: ['llm:chat'] });
    expect(key.status).toBe(201);
    const revocations = await subscribeRevocations(ctx.redisPrefix);
    try {
      const res = await request(ctx.app)
        .patch(`/api/users/${user.id}`)
        .set(admin.headers)
        .send({ isActive: false });
      expect(res.status).toBe(200);
      expect(res.body.isActive).toBe(false);
      expect(await blacklisted(session.identity.sessionJti)).toBe(true);
      await waitFor(
        () => revocations.messages.find((m) => m.type === 'api_key' && m.apiKeyId === key.body.apiKey.id),
        'api key revocation',
      );
      const verify = await request(ctx.app)
        .post('/internal/api-keys/verify')
        .set(internalAuth())
        .send({ key: key.body.key });
      expect(verify.status).toBe(401);
    } finally {
      revocations.close();
    }
    const denied = await request(ctx.app)
      .post('/api/auth/login')
      .send({ username: 'kate', password: 'kate-password-1' });
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe('invalid_credentials');
  });

  it('demoting a user revokes their API keys; promoting does not', async () => {
    await createUser(ctx, { username: 'lena', password: 'lena-password-1', role: 'admin' });
    const session = await login(ctx.app, 'lena', 'lena-password-1');
    const key = await request(ctx.app)
      .post('/api/api-keys')
      .set(session.headers)
      .send({ name: 'lena-key', scopes: ['llm:chat'] });
    expect(key.status).toBe(201);
    const verify = () =>
      request(ctx.app).post('/internal/api-keys/verify').set(internalAuth()).send({ key: key.body.key });
    expect((await verify()).status).toBe(200);
    const lena = await ctx.db
      .selectFrom('admin_users')
      .select('id')
      .where('username', '=', 'lena')
      .executeTakeFirstOrThrow();
    const demoted = await request(ctx.app)
      .patch(`/api/users/${lena.id}`)
      .set(admin.headers)
      .send({ role: 'operator' });
    expect(demoted.status).toBe(200);
    expect((await verify()).status).toBe(401);
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .select('details')
      .where('action', '=', 'user.updated')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(audit.details).toMatchObject({ revokedApiKeys: 1 });
  });

  it('refuses NUL and lone surrogates in a user with 400 invalid_input, and stores nothing', async () => {
    const res = await request(ctx.app)
      .post('/api/users')
      .set(admin.headers)
      .set('Content-Type', 'application/json')
      .send('{"username":"nul\\u0000user","password":"a-long-password-1","role":"viewer"}');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_input');
    const login = await request(ctx.app)
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .send('{"username":"x\\ud800","password":"whatever-password"}');
    expect(login.status).toBe(400);
    expect(login.body.error.code).toBe('invalid_input');
  });

  it('deletes a user and their sessions', async () => {
    const user = await createUser(ctx, { username: 'temp', password: 'temp-password-1' });
    const session = await login(ctx.app, 'temp', 'temp-password-1');
    const res = await request(ctx.app).delete(`/api/users/${user.id}`).set(admin.headers);
    expect(res.status).toBe(204);
    expect(await blacklisted(session.identity.sessionJti)).toBe(true);
    expect((await request(ctx.app).get(`/api/users/${user.id}`).set(admin.headers)).status).toBe(404);
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'user.deleted')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ user_id: admin.identity.userId, resource_id: String(user.id) });
  });
});

describe('the last active admin', () => {
  it('cannot be demoted, deactivated or deleted (409 last_admin)', async () => {
    const rootId = admin.identity.userId;
    for (const [method, body] of [
      ['patch', { role: 'operator' }],
      ['patch', { isActive: false }],
      ['delete', undefined],
    ] as const) {
      const res = await request(ctx.app)[method](`/api/users/${rootId}`).set(admin.headers).send(body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('last_admin');
    }
    const row = await ctx.db
      .selectFrom('admin_users')
      .select(['role', 'is_active'])
      .where('id', '=', rootId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ role: 'admin', is_active: true });
  });

  it('can step down once another admin exists; two racing demotions leave one admin', async () => {
    const second = await createUser(ctx, { username: 'second', password: 'second-password', role: 'admin' });
    const [a, b] = await Promise.all([
      request(ctx.app)
        .patch(`/api/users/${admin.identity.userId}`)
        .set(admin.headers)
        .send({ role: 'viewer' }),
      request(ctx.app).patch(`/api/users/${second.id}`).set(admin.headers).send({ role: 'viewer' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 409]);
    const admins = await ctx.db
      .selectFrom('admin_users')
      .select('id')
      .where('role', '=', 'admin')
      .where('is_active', '=', true)
      .execute();
    expect(admins).toHaveLength(1);
  });
});

describe('change password', () => {
  let pat: LoggedIn;
  let patOther: LoggedIn;

  beforeAll(async () => {
    await createUser(ctx, { username: 'pat', password: 'pat-password-0' });
    pat = await login(ctx.app, 'pat', 'pat-password-0', '198.51.100.50');
    patOther = await login(ctx.app, 'pat', 'pat-password-0', '198.51.100.51');
  });

  const change = (currentPassword: string, newPassword: string) =>
    request(ctx.app)
      .post('/api/auth/change-password')
      .set(pat.headers)
      .send({ currentPassword, newPassword });

  it('enforces the policy: length, not the username, right current password', async () => {
    expect((await change('pat-password-0', 'short')).body.error.code).toBe('password_too_short');
    expect((await change('pat-password-0', 'PAT')).body.error.code).toBe('password_too_short');
    await createUser(ctx, { username: 'longusername', password: 'irrelevant-password' });
    const own = await login(ctx.app, 'longusername', 'irrelevant-password');
    const sameAsName = await request(ctx.app)
      .post('/api/auth/change-password')
      .set(own.headers)
      .send({ currentPassword: 'irrelevant-password', newPassword: 'LongUserName' });
    expect(sameAsName.status).toBe(400);
    expect(sameAsName.body.error.code).toBe('password_equals_username');
    const wrong = await change('not-my-password', 'pat-password-9');
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('invalid_current_password');
  });

  it('changes the password and ends my other sessions, keeping this one', async () => {
    const res = await change('pat-password-0', 'pat-password-1');
    expect(res.status).toBe(204);
    expect(await blacklisted(patOther.identity.sessionJti)).toBe(true);
    expect(await blacklisted(pat.identity.sessionJti)).toBe(false);
    expect((await request(ctx.app).get('/api/auth/me').set(pat.headers)).status).toBe(200);
    await expect(login(ctx.app, 'pat', 'pat-password-0')).rejects.toThrow('401');
    await login(ctx.app, 'pat', 'pat-password-1');
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'auth.password.changed')
      .execute();
    expect(audit.some((a) => (a.details as { status: string }).status === 'success')).toBe(true);
  });

  it('refuses any of the last 5 passwords', async () => {
    for (let i = 2; i <= 4; i += 1)
      expect((await change(`pat-password-${i - 1}`, `pat-password-${i}`)).status).toBe(204);
    // Now: current 4, history 3, 2, 1, 0. The last five are 4, 3, 2, 1, 0.
    for (const old of ['pat-password-4', 'pat-password-1', 'pat-password-0']) {
      const res = await change('pat-password-4', old);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('password_reused');
    }
    expect((await change('pat-password-4', 'pat-password-5')).status).toBe(204);
    // 0 has dropped out of the last five (5, 4, 3, 2, 1).
    expect((await change('pat-password-5', 'pat-password-0')).status).toBe(204);
  });
});

describe('reset-password CLI', () => {
  const env = () => ({
    JWT_SECRET,
    INTERNAL_SECRET,
    POSTGRES_HOST: new URL(
      process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    ).hostname,
    POSTGRES_USER: 'postgres',
    POSTGRES_DB: '',
    REDIS_KEY_PREFIX: ctx.redisPrefix,
  });

  async function run(args: string[], input: string) {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (c: Buffer) => (out += c.toString()));
    stderr.on('data', (c: Buffer) => (err += c.toString()));
    stdin.end(input);
    const dbName = (
      await ctx.db
        .selectNoFrom((eb) => eb.fn<string>('current_database', []).as('name'))
        .executeTakeFirstOrThrow()
    ).name;
    const code = await runResetPassword(args, { ...env(), POSTGRES_DB: dbName }, { stdin, stdout, stderr });
    return { code, out, err };
  }

  it('resets a locked-out admin, lifts the lock, ends sessions and audits it', async () => {
    const user = await createUser(ctx, {
      username: 'lockedadmin',
      password: 'old-password-1',
      role: 'admin',
    });
    const session = await login(ctx.app, 'lockedadmin', 'old-password-1');
    await ctx.db
      .updateTable('admin_users')
      .set({ locked_until: new Date(Date.now() + 600_000) })
      .where('id', '=', user.id)
      .execute();

    const result = await run(['lockedadmin'], 'brand-new-password\n');
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toContain('lockedadmin');

    expect(await blacklisted(session.identity.sessionJti)).toBe(true);
    await login(ctx.app, 'lockedadmin', 'brand-new-password');
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'auth.password.reset')
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ user_id: null, resource_id: String(user.id) });
    expect(audit.details).toMatchObject({ via: 'cli', status: 'success' });
  });

  it('applies the policy and explains failures in one line', async () => {
    expect((await run(['lockedadmin'], 'short\n')).code).toBe(1);
    expect((await run(['lockedadmin'], 'brand-new-password\n')).err).toMatch(/last 5 passwords/);
    expect((await run(['nobody-here'], 'some-long-password\n')).err).toMatch(/No such user/);
    expect((await run([], 'x\n')).code).toBe(2);
  });
});
