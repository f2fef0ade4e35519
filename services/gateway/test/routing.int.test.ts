import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
import { matchRoute, ROUTES } from '../src/routing/route-table';
import {
  accessToken,
  buildGateway,
  createTestDatabase,
  JWT_SECRET,
  startEchoUpstream,
  type RunningHttp,
  type SeenRequest,
  type TestGateway,
} from './helpers';

let db: TestDatabase<Database>;
let upstream: RunningHttp & { seen: SeenRequest[] };
let gateway: TestGateway;

beforeAll(async () => {
  db = await createTestDatabase();
  upstream = await startEchoUpstream();
  gateway = await buildGateway({
    db,
    env: {
      LLM_QUEUE_URL: upstream.url,
      AUTH_URL: upstream.url,
      CORS_ORIGINS: 'http://allowed.example:5173',
      AUDIT_ENABLED: 'false',
    },
  });
});

afterAll(async () => {
  await gateway.stop();
  await upstream.close();
  await db.drop();
});

const bearer = () => `Bearer ${accessToken({ userId: 7, username: 'olga', role: 'operator' }).token}`;

describe('routing', () => {
  it('forwards /api/chats, /v1 and /ollama/api to llm-queue with the path and query unchanged', async () => {
    for (const path of ['/api/chats/12?limit=5', '/v1/chat/completions', '/ollama/api/tags', '/api/models']) {
      const res = await request(gateway.app).get(path).set('Authorization', bearer());
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect((res.body as { path: string }).path).toBe(path);
    }
  });

  it('answers 503 upstream_unavailable naming the service when nothing listens', async () => {
    const res = await request(gateway.app).get('/api/tables/1').set('Authorization', bearer());
    expect(res.status).toBe(503);
    expect(res.body).toEqual({
      error: {
        code: 'upstream_unavailable',
        message: 'The datentabellen service is not available right now.',
      },
    });
  });

  it('answers 404 route_not_found for an API path no service owns', async () => {
    const res = await request(gateway.app).get('/api/nothing-here').set('Authorization', bearer());
    expect(res.status).toBe(404);
    expect((res.body as { error: { code: string } }).error.code).toBe('route_not_found');
  });

  it('matches prefixes on segment boundaries only, and every area of the issue has an owner', () => {
    expect(matchRoute('/api/authority')).toBeUndefined();
    expect(matchRoute('/api/auth')?.upstream).toBe('auth');
    expect(matchRoute('/v1')?.upstream).toBe('llm-queue');
    expect(matchRoute('/v10/x')).toBeUndefined();
    const owners = Object.fromEntries(ROUTES.map((r) => [r.prefix, r.upstream]));
    expect(owners).toMatchObject({
      '/api/auth': 'auth',
      '/api/users': 'auth',
      '/api/api-keys': 'auth',
      '/api/audit': 'auth',
      '/api/webhooks': 'auth',
      '/api/chats': 'llm-queue',
      '/api/llm': 'llm-queue',
      '/api/models': 'llm-queue',
      '/v1': 'llm-queue',
      '/ollama/api': 'llm-queue',
      '/api/metrics': 'metrics-collector',
      '/api/alerts': 'metrics-collector',
      '/api/documents': 'document-indexer',
      '/api/spaces': 'document-indexer',
      '/api/search': 'document-indexer',
      '/api/rag': 'document-indexer',
      '/api/self-healing': 'self-healing-agent',
      '/api/services': 'self-healing-agent',
      '/api/telegram': 'telegram-notifier',
      '/api/notifications': 'telegram-notifier',
      '/api/updates': 'update-manager',
      '/api/tables': 'datentabellen',
      '/api/quotes': 'datentabellen',
    });
  });
});

describe('identity at the edge', () => {
  it('forwards a signed identity the upstream can verify, and never the credential itself', async () => {
    const res = await request(gateway.app)
      .get('/api/llm/status')
      .set('Authorization', bearer())
      .set('X-Forwarded-For', '203.0.113.9')
      .set('X-Request-Id', 'req-abc-123');
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.identityError).toBeNull();
    expect(seen.identity).toMatchObject({
      userId: 7,
      username: 'olga',
      role: 'operator',
      authType: 'jwt',
      scopes: [],
    });
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['x-request-id']).toBe('req-abc-123');
    expect(seen.headers['x-forwarded-proto']).toBe('http');
    // No proxy is trusted by default: the client's own X-F-F is replaced by the socket address.
    expect(seen.headers['x-forwarded-for']).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it('strips a client-forged X-Arasul-Identity (and every other x-arasul-* header)', async () => {
    const forged = 'eyJhbGciOiJIUzI1NiJ9.forged.signature';
    const viaUpstream = await request(gateway.app)
      .get('/api/chats')
      .set('Authorization', bearer())
      .set('X-Arasul-Identity', forged)
      .set('X-Arasul-Anything', 'x');
    expect(viaUpstream.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.identity?.username).toBe('olga');
    expect(seen.headers['x-arasul-identity']).not.toBe(forged);
    expect(seen.headers['x-arasul-anything']).toBeUndefined();
  });

  it('passes the n8n webhook signature headers through to auth untouched', async () => {
    const res = await request(gateway.app)
      .post('/api/webhooks/n8n')
      .set('X-Arasul-Timestamp', '1700000000')
      .set('X-Arasul-Signature', 'sha256=abc123')
      .set('X-Arasul-Identity', 'forged')
      .send({ workflowName: 'invoices', status: 'success' });
    expect(res.status).toBe(200);
    const seen = upstream.seen.at(-1)!;
    expect(seen.headers['x-arasul-timestamp']).toBe('1700000000');
    expect(seen.headers['x-arasul-signature']).toBe('sha256=abc123');
    expect(seen.headers['x-arasul-identity']).toBeUndefined();
  });

  it('never lets an unauthenticated request with a forged identity reach a protected upstream', async () => {
    const count = upstream.seen.length;
    const res = await request(gateway.app).get('/api/chats').set('X-Arasul-Identity', 'forged');
    expect(res.status).toBe(401);
    expect(upstream.seen.length).toBe(count);
  });

  it('refuses a missing, malformed, expired or wrongly signed JWT with 401 unauthorized', async () => {
    const expired = accessToken({}, { ttlSeconds: -10 }).token;
    const wrongKey = accessToken({}, { secret: `${JWT_SECRET}-other` }).token;
    const cases: [string, string | undefined][] = [
      ['missing', undefined],
      ['garbage', 'Bearer not-a-jwt'],
      ['expired', `Bearer ${expired}`],
      ['bad signature', `Bearer ${wrongKey}`],
      ['other scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ];
    for (const [name, header] of cases) {
      const req = request(gateway.app).get('/api/chats');
      const res = await (header ? req.set('Authorization', header) : req);
      expect({
        name,
        status: res.status,
        code: (res.body as { error?: { code?: string } }).error?.code,
      }).toEqual({
        name,
        status: 401,
        code: 'unauthorized',
      });
    }
  });

  it('protects /v1 and /ollama/api like /api', async () => {
    expect((await request(gateway.app).post('/v1/chat/completions').send({})).status).toBe(401);
    expect((await request(gateway.app).get('/ollama/api/tags')).status).toBe(401);
  });
});

describe('security headers and CORS', () => {
  it('sets helmet headers with a CSP that allows no inline scripts', async () => {
    const res = await request(gateway.app).get('/api/health');
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['strict-transport-security']).toBeUndefined();
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('answers CORS for a configured origin and not for any other', async () => {
    const allowed = await request(gateway.app)
      .options('/api/chats')
      .set('Origin', 'http://allowed.example:5173')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('http://allowed.example:5173');
    expect(allowed.headers['access-control-allow-credentials']).toBe('true');

    const other = await request(gateway.app)
      .options('/api/chats')
      .set('Origin', 'http://evil.example')
      .set('Access-Control-Request-Method', 'POST');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const simple = await request(gateway.app)
      .get('/api/chats')
      .set('Origin', 'http://evil.example')
      .set('Authorization', bearer());
    expect(simple.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('dashboard', () => {
  it('serves a built-in page pointing to /api/health while no build exists', async () => {
    const res = await request(gateway.app).get('/').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain('dashboard is not built');
    expect(res.text).toContain('href="/api/health"');
  });

  it('serves the build with an SPA fallback for HTML navigations only', async () => {
    const dir = gateway.config.DASHBOARD_DIR;
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Arasul SPA</title>');
    writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');

    const root = await request(gateway.app).get('/').set('Accept', 'text/html');
    expect(root.text).toContain('Arasul SPA');
    const deep = await request(gateway.app).get('/chats/42').set('Accept', 'text/html,application/xhtml+xml');
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('Arasul SPA');
    expect(deep.headers['cache-control']).toBe('no-cache');

    const asset = await request(gateway.app).get('/assets/app-1234.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toContain('immutable');

    const missingAsset = await request(gateway.app)
      .get('/assets/nope.js')
      .set('Accept', 'application/javascript');
    expect(missingAsset.status).toBe(404);
    // An API path never falls back to the SPA, even for a browser.
    const api = await request(gateway.app).get('/api/unknown').set('Accept', 'text/html');
    expect(api.status).toBe(401);
  });
});
