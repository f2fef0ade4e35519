import request from 'supertest';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
import { csrfTokenFor } from '@arasul/service-kit';
import {
  JWT_SECRET,
  accessToken,
  buildGateway,
  createTestDatabase,
  startFakeAuth,
  type TestGateway,
} from './helpers';

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

/** What auth hands a browser: the refresh cookie and the CSRF token bound to it. */
const REFRESH = 'r3fr3sh-t0ken';
const CSRF = csrfTokenFor(REFRESH, JWT_SECRET);
const COOKIES = `arasul_refresh=${REFRESH}; arasul_csrf=${CSRF}`;

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
      .set('X-CSRF-Token', `${CSRF.slice(0, -1)}X`);
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
      .set('X-CSRF-Token', CSRF);
    expect(res.status).toBe(200);
    expect(auth.seen.at(-1)!.headers.cookie).toBe(COOKIES);
  });

  it('refuses a planted cookie+header pair that is not bound to the refresh cookie', async () => {
    const planted = await request(gateway.app)
      .post('/api/auth/logout')
      .set('Cookie', `arasul_refresh=${REFRESH}; arasul_csrf=attacker-chosen`)
      .set('X-CSRF-Token', 'attacker-chosen');
    expect(planted.status).toBe(403);
    expect(planted.body.error.code).toBe('csrf_failed');
    // The token of another session does not fit this one either.
    const otherSession = await request(gateway.app)
      .post('/api/auth/logout')
      .set('Cookie', COOKIES)
      .set('X-CSRF-Token', csrfTokenFor('another-refresh-token', JWT_SECRET));
    expect(otherSession.status).toBe(403);
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
