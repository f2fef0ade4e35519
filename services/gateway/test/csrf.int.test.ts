import request from 'supertest';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
import { accessToken, buildGateway, createTestDatabase, startFakeAuth, type TestGateway } from './helpers';

let db: TestDatabase<Database>;
let auth: Awaited<ReturnType<typeof startFakeAuth>>;
let gateway: TestGateway;

const KEY = 'aras_csrf_test_key_0123456789abcdef012';

beforeAll(async () => {
  db = await createTestDatabase();
  auth = await startFakeAuth([{ key: KEY, apiKeyId: 9 }]);
  gateway = await buildGateway({ db, env: { AUTH_URL: auth.url, AUDIT_ENABLED: 'false' } });
});

afterAll(async () => {
  await gateway.stop();
  await auth.close();
  await db.drop();
});

const COOKIES = 'arasul_refresh=r3fr3sh-t0ken; arasul_csrf=c5rf-t0ken-value';

describe('CSRF protection for cookie-authenticated requests', () => {
  it('refuses an unsafe request carrying the refresh cookie without the header', async () => {
    const res = await request(gateway.app).post('/api/auth/refresh').set('Cookie', COOKIES);
    expect(res.status).toBe(403);
    expect(res.body).toMatchObject({ error: { code: 'csrf_failed' } });
  });

  it('refuses a header that does not match the cookie, or a missing csrf cookie', async () => {
    const wrong = await request(gateway.app)
      .post('/api/auth/refresh')
      .set('Cookie', COOKIES)
      .set('X-CSRF-Token', 'c5rf-t0ken-valuX');
    expect(wrong.status).toBe(403);
    const noCsrfCookie = await request(gateway.app)
      .post('/api/auth/logout')
      .set('Cookie', 'arasul_refresh=r3fr3sh-t0ken')
      .set('X-CSRF-Token', 'anything');
    expect(noCsrfCookie.status).toBe(403);
  });

  it('passes with the matching header and forwards the cookies to auth', async () => {
    const res = await request(gateway.app)
      .post('/api/auth/refresh')
      .set('Cookie', COOKIES)
      .set('X-CSRF-Token', 'c5rf-t0ken-value');
    expect(res.status).toBe(200);
    expect(auth.seen.at(-1)!.headers.cookie).toBe(COOKIES);
  });

  it('does not apply to safe methods, to requests without the refresh cookie, or to Bearer and API-key clients', async () => {
    expect((await request(gateway.app).get('/api/auth/needs-setup').set('Cookie', COOKIES)).status).toBe(200);
    expect(
      (await request(gateway.app).post('/api/auth/login').set('Cookie', 'arasul_csrf=x; other=1').send({}))
        .status,
    ).toBe(200);
    const bearer = await request(gateway.app)
      .post('/api/users')
      .set('Cookie', COOKIES)
      .set('Authorization', `Bearer ${accessToken().token}`)
      .send({});
    expect(bearer.status).toBe(200);
    const apiKey = await request(gateway.app)
      .post('/api/users')
      .set('Cookie', COOKIES)
      .set('X-API-Key', KEY)
      .send({});
    expect(apiKey.status).toBe(200);
  });
});
