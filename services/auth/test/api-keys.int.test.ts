import { apiKeyListSchema, createdApiKeySchema } from '@arasul/contracts';
import { sql } from 'kysely';
import request from 'supertest';
import {
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
let revocations: Awaited<ReturnType<typeof subscribeRevocations>>;

beforeAll(async () => {
  ctx = await createTestContext();
  await createUser(ctx, { username: 'root', password: 'root-password-1', role: 'admin' });
  admin = await login(ctx.app, 'root', 'root-password-1');
  revocations = await subscribeRevocations(ctx.redisPrefix);
});

afterAll(async () => {
  revocations.close();
  await ctx.close();
});

const createKey = (body: Record<string, unknown>) =>
  request(ctx.app).post('/api/api-keys').set(admin.headers).send(body);
const verify = (key: string) =>
  request(ctx.app).post('/internal/api-keys/verify').set(internalAuth()).send({ key });

describe('creating keys', () => {
  it('shows the key once; stores only its prefix and an argon2id hash; never lists it', async () => {
    const res = await createKey({
      name: 'n8n',
      scopes: ['llm:chat', 'documents:read'],
      rateLimitPerMinute: 120,
      allowedEndpoints: ['/api/llm/*'],
      description: 'for the workflows',
    });
    expect(res.status).toBe(201);
    expect(createdApiKeySchema.safeParse(res.body).error).toBeUndefined();
    const key = res.body.key as string;
    expect(key).toMatch(/^aras_[A-Za-z0-9_-]{43}$/);
    expect(res.body.apiKey).toMatchObject({
      name: 'n8n',
      prefix: key.slice(5, 13),
      scopes: ['llm:chat', 'documents:read'],
      rateLimitPerMinute: 120,
      allowedEndpoints: ['/api/llm/*'],
      status: 'active',
      isActive: true,
      createdBy: { id: admin.identity.userId, username: 'root' },
    });

    const row = await ctx.db
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', res.body.apiKey.id)
      .executeTakeFirstOrThrow();
    expect(row.key_prefix).toBe(key.slice(5, 13));
    expect(row.key_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(row.key_hash.length).toBeLessThanOrEqual(128);

    const list = await request(ctx.app).get('/api/api-keys').set(admin.headers);
    expect(list.status).toBe(200);
    expect(apiKeyListSchema.safeParse(list.body).error).toBeUndefined();
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(key);
    expect(text).not.toContain('argon2');
    expect(list.body.items[0]).not.toHaveProperty('key');

    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'api_key.created')
      .execute();
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it('refuses unknown and wildcard scopes with 400', async () => {
    const wildcard = await createKey({ name: 'x', scopes: ['*'] });
    expect(wildcard.status).toBe(400);
    expect(wildcard.body.error.message).toMatch(/wildcard/);
    expect((await createKey({ name: 'x', scopes: ['llm:*'] })).status).toBe(400);
    expect((await createKey({ name: 'x', scopes: ['root:everything'] })).status).toBe(400);
    expect((await createKey({ name: 'x', scopes: [] })).status).toBe(400);
    expect(
      (await createKey({ name: 'x', scopes: ['llm:chat'], expiresAt: '2001-01-01T00:00:00Z' })).status,
    ).toBe(400);
  });

  it('is for admins only, and never for API keys themselves', async () => {
    await createUser(ctx, { username: 'op', password: 'op-password-12', role: 'operator' });
    const op = await login(ctx.app, 'op', 'op-password-12');
    expect((await request(ctx.app).get('/api/api-keys').set(op.headers)).status).toBe(403);
  });
});

describe('internal verification', () => {
  let key: string;
  let keyId: number;

  beforeAll(async () => {
    const res = await createKey({ name: 'scripts', scopes: ['metrics:read'] });
    key = res.body.key as string;
    keyId = res.body.apiKey.id as number;
  });

  it('answers with the identity of the creator, the scopes and the limits', async () => {
    const res = await verify(key);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      identity: {
        userId: admin.identity.userId,
        username: 'root',
        role: 'admin',
        authType: 'api_key',
        scopes: ['metrics:read'],
        apiKeyId: keyId,
      },
      rateLimitPerMinute: 60,
      allowedEndpoints: null,
      expiresAt: null,
    });
    const row = await ctx.db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', keyId)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).not.toBeNull();
  });

  it('updates last_used_at at most once a minute', async () => {
    const past = new Date(Date.now() - 30_000);
    await ctx.db.updateTable('api_keys').set({ last_used_at: past }).where('id', '=', keyId).execute();
    await verify(key);
    let row = await ctx.db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', keyId)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at?.getTime()).toBe(past.getTime());
    await ctx.db
      .updateTable('api_keys')
      .set({ last_used_at: new Date(Date.now() - 61_000) })
      .where('id', '=', keyId)
      .execute();
    await verify(key);
    row = await ctx.db
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', keyId)
      .executeTakeFirstOrThrow();
    expect(Date.now() - (row.last_used_at?.getTime() ?? 0)).toBeLessThan(5000);
  });

  it('gives one 401 invalid_api_key for unknown, malformed and almost-right keys', async () => {
    const almost = `${key.slice(0, -1)}${key.endsWith('A') ? 'B' : 'A'}`;
    for (const candidate of [almost, 'aras_short', 'not-a-key', `aras_${'x'.repeat(43)}`]) {
      const res = await verify(candidate);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('invalid_api_key');
    }
  });

  it('needs the internal secret', async () => {
    const none = await request(ctx.app).post('/internal/api-keys/verify').send({ key });
    expect(none.status).toBe(401);
    const wrong = await request(ctx.app)
      .post('/internal/api-keys/verify')
      .set('Authorization', 'Bearer nope')
      .send({ key });
    expect(wrong.status).toBe(401);
    expect((await request(ctx.app).get('/internal/revocations').set('Authorization', 'Basic x')).status).toBe(
      401,
    );
  });

  it('refuses an expired key', async () => {
    const res = await createKey({
      name: 'short-lived',
      scopes: ['llm:chat'],
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    expect((await verify(res.body.key as string)).body.expiresAt).toBe(res.body.apiKey.expiresAt);
    await ctx.db
      .updateTable('api_keys')
      .set({ expires_at: sql`now() - interval '1 second'` })
      .where('id', '=', res.body.apiKey.id)
      .execute();
    expect((await verify(res.body.key as string)).status).toBe(401);
  });

  it('refuses a key whose creator was deactivated', async () => {
    const other = await createUser(ctx, {
      username: 'other-admin',
      password: 'other-password',
      role: 'admin',
    });
    const session = await login(ctx.app, 'other-admin', 'other-password');
    const res = await request(ctx.app)
      .post('/api/api-keys')
      .set(session.headers)
      .send({ name: 'k', scopes: ['llm:chat'] });
    expect((await verify(res.body.key as string)).status).toBe(200);
    await ctx.db.updateTable('admin_users').set({ is_active: false }).where('id', '=', other.id).execute();
    expect((await verify(res.body.key as string)).status).toBe(401);
  });
});

describe('revoking', () => {
  it('makes the key invalid, announces it on the channel and in the revocation list', async () => {
    const created = await createKey({ name: 'to-revoke', scopes: ['tables:read'] });
    const id = created.body.apiKey.id as number;
    expect((await verify(created.body.key as string)).status).toBe(200);

    const res = await request(ctx.app).delete(`/api/api-keys/${id}`).set(admin.headers);
    expect(res.status).toBe(204);
    await waitFor(
      () => revocations.messages.find((m) => m.type === 'api_key' && m.apiKeyId === id),
      'api_key revocation',
      1000,
    );
    expect((await verify(created.body.key as string)).status).toBe(401);

    const list = await request(ctx.app).get('/internal/revocations').set(internalAuth());
    expect(list.body.apiKeyIds).toContain(id);
    const listed = await request(ctx.app).get('/api/api-keys').set(admin.headers);
    expect(listed.body.items.find((k: { id: number }) => k.id === id)).toMatchObject({
      status: 'revoked',
      isActive: false,
    });
    expect((await request(ctx.app).delete(`/api/api-keys/${id}`).set(admin.headers)).status).toBe(204);
    expect((await request(ctx.app).delete('/api/api-keys/999999').set(admin.headers)).status).toBe(404);
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'api_key.revoked')
      .execute();
    expect(audit).toHaveLength(1);
  });
});

describe('rotating', () => {
  it('issues a successor and keeps the old key valid until its grace ends', async () => {
    const created = await createKey({
      name: 'rotating',
      scopes: ['llm:chat', 'llm:models'],
      rateLimitPerMinute: 30,
    });
    const oldKey = created.body.key as string;
    const oldId = created.body.apiKey.id as number;

    const res = await request(ctx.app).post(`/api/api-keys/${oldId}/rotate`).set(admin.headers);
    expect(res.status).toBe(201);
    const newKey = res.body.key as string;
    expect(newKey).not.toBe(oldKey);
    expect(res.body.apiKey).toMatchObject({
      name: 'rotating',
      scopes: ['llm:chat', 'llm:models'],
      rateLimitPerMinute: 30,
      rotatedFromId: oldId,
    });

    const during = await verify(oldKey);
    expect(during.status).toBe(200);
    const graceEnds = new Date(during.body.expiresAt as string).getTime();
    expect(graceEnds - Date.now()).toBeGreaterThan(86_000_000);
    expect((await verify(newKey)).status).toBe(200);
    expect((await request(ctx.app).post(`/api/api-keys/${oldId}/rotate`).set(admin.headers)).status).toBe(
      409,
    );

    await ctx.db
      .updateTable('api_keys')
      .set({ grace_expires_at: sql`now() - interval '1 second'` })
      .where('id', '=', oldId)
      .execute();
    expect((await verify(oldKey)).status).toBe(401);
    expect((await verify(newKey)).status).toBe(200);
    const list = await request(ctx.app).get('/internal/revocations').set(internalAuth());
    expect(list.body.apiKeyIds).toContain(oldId);
    const audit = await ctx.db
      .selectFrom('audit_logs')
      .selectAll()
      .where('action', '=', 'api_key.rotated')
      .execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit)).not.toContain(newKey);
  });
});
