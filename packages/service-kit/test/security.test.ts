import express from 'express';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import {
  IDENTITY_HEADER,
  IdentityVerifier,
  identityMiddleware,
  signIdentity,
  assertSafeStrings,
  csrfTokenFor,
  findUnsafeString,
  isCsrfTokenFor,
  requireInternalSecret,
  secretsEqual,
  trustProxySchema,
  userRoleAtLeast,
  type Identity,
} from '../src';

describe('secretsEqual', () => {
  it('is true for equal secrets only, whatever the lengths', () => {
    expect(secretsEqual('s3cret-value', 's3cret-value')).toBe(true);
    expect(secretsEqual('s3cret-valuX', 's3cret-value')).toBe(false);
    expect(secretsEqual('s3cret', 's3cret-value')).toBe(false);
    expect(secretsEqual('', 's3cret-value')).toBe(false);
    expect(secretsEqual('x'.repeat(10_000), 's3cret-value')).toBe(false);
  });
});

describe('requireInternalSecret', () => {
  const app = express();
  app.get('/internal/x', requireInternalSecret('i'.repeat(32)), (_req, res) => {
    res.json({ ok: true });
  });
  app.use(((error, _req, res, _next) => {
    res.status((error as { httpStatus: number }).httpStatus).json({ code: (error as { code: string }).code });
  }) as express.ErrorRequestHandler);

  it('lets the secret holder in and answers everyone else 401', async () => {
    await request(app)
      .get('/internal/x')
      .set('Authorization', `Bearer ${'i'.repeat(32)}`)
      .expect(200);
    await request(app)
      .get('/internal/x')
      .set('Authorization', `bearer ${'i'.repeat(32)}`)
      .expect(200);
    const short = await request(app).get('/internal/x').set('Authorization', 'Bearer iii').expect(401);
    expect(short.body.code).toBe('unauthorized');
    await request(app).get('/internal/x').expect(401);
  });
});

describe('trustProxySchema', () => {
  it('trusts nobody by default and only listed proxy addresses otherwise', () => {
    expect(trustProxySchema.parse(undefined)).toBe(false);
    expect(trustProxySchema.parse('false')).toBe(false);
    expect(trustProxySchema.parse('172.30.0.10')).toEqual(['172.30.0.10']);
    expect(trustProxySchema.parse('loopback, ::1, fd00::/8')).toEqual(['loopback', '::1', 'fd00::/8']);
    for (const bad of ['true', '1', 'gateway', '10.0.0.0/33', '10.0.0.1/8/1'])
      expect(trustProxySchema.safeParse(bad).success).toBe(false);
  });
});

describe('safe strings', () => {
  it('finds NUL and lone surrogates anywhere, keys included, and accepts proper pairs', () => {
    expect(findUnsafeString({ a: ['ok', { b: 'x\u0000' }] })).toBe('a.1.b');
    expect(findUnsafeString({ a: '\ud83d' })).toBe('a');
    expect(findUnsafeString({ a: '\ude00!' })).toBe('a');
    expect(findUnsafeString({ ['k\u0000']: 1 })).toBe('(key)');
    expect(findUnsafeString({ a: '😀 \u202e rtl', n: 5, z: null })).toBeNull();
    expect(() => assertSafeStrings({ name: 'a\u0000' })).toThrow(/name/);
  });
});

describe('csrf tokens', () => {
  it('bind the token to the refresh token: another session’s token or a made-up one does not match', () => {
    const secret = 'j'.repeat(32);
    const token = csrfTokenFor('refresh-a', secret);
    expect(isCsrfTokenFor(token, 'refresh-a', secret)).toBe(true);
    expect(isCsrfTokenFor(token, 'refresh-b', secret)).toBe(false);
    expect(isCsrfTokenFor('planted', 'refresh-a', secret)).toBe(false);
    expect(isCsrfTokenFor(token, 'refresh-a', 'k'.repeat(32))).toBe(false);
  });
});

describe('userRoleAtLeast', () => {
  const admin: Identity = { userId: 1, username: 'a', role: 'admin', authType: 'jwt', scopes: [] };
  it('grants a role to signed-in users only, never to an API key of the same user', () => {
    expect(userRoleAtLeast(admin, 'admin')).toBe(true);
    expect(userRoleAtLeast({ ...admin, role: 'operator' }, 'admin')).toBe(false);
    expect(
      userRoleAtLeast({ ...admin, authType: 'api_key', scopes: ['llm:chat'], apiKeyId: 3 }, 'viewer'),
    ).toBe(false);
    expect(userRoleAtLeast(undefined, 'viewer')).toBe(false);
  });
});

describe('identity verification', () => {
  const secret = 's'.repeat(32);
  const who: Identity = { userId: 7, username: 'op', role: 'operator', authType: 'jwt', scopes: [] };

  it('answers a token again from memory only until its own expiry, then refuses it like jsonwebtoken', () => {
    const token = jwt.sign({ idn: who }, secret, {
      algorithm: 'HS256',
      issuer: 'arasul-gateway',
      audience: 'arasul-internal',
      expiresIn: 60,
    });
    const exp = (jwt.decode(token) as { exp: number }).exp;
    let now = (exp - 30) * 1000;
    const verifier = new IdentityVerifier(secret, () => now);
    expect(verifier.verify(token)).toEqual(who);
    expect(verifier.size).toBe(1);
    now = exp * 1000 - 1;
    expect(verifier.verify(token)).toEqual(who);
    now = exp * 1000;
    expect(() => verifier.verify(token)).toThrow(/expired/);
    expect(verifier.size).toBe(0);
  });

  it('never keeps a token that failed, and stays within its bound', () => {
    const verifier = new IdentityVerifier(secret, Date.now, 2);
    const forged = signIdentity(who, 'x'.repeat(32));
    expect(() => verifier.verify(forged)).toThrow();
    expect(() => verifier.verify(forged)).toThrow();
    expect(verifier.size).toBe(0);
    for (const userId of [1, 2, 3]) verifier.verify(signIdentity({ ...who, userId }, secret));
    expect(verifier.size).toBe(2);
  });

  it('gives every request the verified identity and refuses a forged one with 401', async () => {
    const app = express();
    app.use(identityMiddleware(secret));
    app.get('/who', (req, res) => {
      res.json({ userId: req.identity?.userId ?? null });
    });
    app.use(((error, _req, res, _next) => {
      res
        .status((error as { httpStatus: number }).httpStatus)
        .json({ code: (error as { code: string }).code });
    }) as express.ErrorRequestHandler);
    const token = signIdentity(who, secret);
    for (let i = 0; i < 2; i += 1) {
      await request(app).get('/who').set(IDENTITY_HEADER, token).expect(200, { userId: 7 });
    }
    const forged = signIdentity({ ...who, userId: 1 }, 'x'.repeat(32));
    await request(app).get('/who').set(IDENTITY_HEADER, forged).expect(401, { code: 'invalid_identity' });
    await request(app).get('/who').expect(200, { userId: null });
  });
});
