import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, verifyIdentity, type Identity } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { KeyUsageCounter } from '../src/audit/key-usage.counter';
import { maskSecrets } from '../src/audit/mask';
import { compileAllowedEndpoints } from '../src/auth/allowed-endpoints';
import { credentialOf } from '../src/auth/authenticate.middleware';
import { IdentitySigner } from '../src/auth/identity-signer';
import { RevocationStore } from '../src/auth/revocation-store';
import { loadGatewayConfig } from '../src/config';

const SECRET_32 = 'x'.repeat(32);

describe('config', () => {
  it('requires JWT_SECRET and INTERNAL_SECRET of at least 32 characters, naming each problem', () => {
    expect(() => loadGatewayConfig({})).toThrow(ConfigError);
    try {
      loadGatewayConfig({ JWT_SECRET: 'short' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('JWT_SECRET: must be at least 32 characters');
      expect(problems).toContain('INTERNAL_SECRET');
    }
  });

  it('reads secrets from *_FILE and applies the documented defaults', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gateway-config-'));
    writeFileSync(join(dir, 'jwt'), `${'j'.repeat(40)}\n`);
    const config = loadGatewayConfig({ JWT_SECRET_FILE: join(dir, 'jwt'), INTERNAL_SECRET: SECRET_32 });
    expect(config.JWT_SECRET).toBe('j'.repeat(40));
    expect(config).toMatchObject({
      GATEWAY_PORT: 8080,
      GATEWAY_HOST: '127.0.0.1',
      AUTH_URL: 'http://127.0.0.1:8081',
      LLM_QUEUE_URL: 'http://127.0.0.1:8082',
      DATENTABELLEN_URL: 'http://127.0.0.1:8088',
      CORS_ORIGINS: [],
      TRUST_PROXY: false,
      RATE_LIMIT_USER_PER_MINUTE: 300,
      RATE_LIMIT_LOGIN_PER_MINUTE: 10,
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: 120,
      UPLOAD_LIMIT_BYTES: 50 * 1024 * 1024,
      BODY_LIMIT_BYTES: 1024 * 1024,
    });
    expect(config.DASHBOARD_DIR).toMatch(/services[/\\]dashboard[/\\]dist$/);
  });

  it('parses CORS_ORIGINS and TRUST_PROXY, and refuses an origin with a path', () => {
    const base = { JWT_SECRET: SECRET_32, INTERNAL_SECRET: SECRET_32 };
    const config = loadGatewayConfig({
      ...base,
      CORS_ORIGINS: 'http://a.example:5173, https://b.example',
      TRUST_PROXY: '10.0.0.1, 192.168.0.0/16',
    });
    expect(config.CORS_ORIGINS).toEqual(['http://a.example:5173', 'https://b.example']);
    expect(config.TRUST_PROXY).toEqual(['10.0.0.1', '192.168.0.0/16']);
    expect(loadGatewayConfig({ ...base, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    // Trusting whoever connects (true, hop counts) would let any local process invent client addresses.
    expect(() => loadGatewayConfig({ ...base, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => loadGatewayConfig({ ...base, TRUST_PROXY: '2' })).toThrow(/TRUST_PROXY/);
    expect(() => loadGatewayConfig({ ...base, CORS_ORIGINS: 'http://a.example/app' })).toThrow(
      /CORS_ORIGINS/,
    );
  });
});

describe('maskSecrets', () => {
  it('masks keys containing password, token, secret, key or authorization at any depth, and nothing else', () => {
    expect(
      maskSecrets({
        Password: 'a',
        newPassword: 'b',
        accessToken: 'c',
        items: [{ SECRET: 'd' }, 'plain', 3, null],
        headers: { AUTHORIZATION: 'e', accept: 'json' },
        api_key: 'f',
        name: 'kept',
      }),
    ).toEqual({
      Password: '***',
      newPassword: '***',
      accessToken: '***',
      items: [{ SECRET: '***' }, 'plain', 3, null],
      headers: { AUTHORIZATION: '***', accept: 'json' },
      api_key: '***',
      name: 'kept',
    });
  });

  it('masks a whole object under a secret-looking key and stops at a depth limit', () => {
    expect(maskSecrets({ tokens: { a: 1 } })).toEqual({ tokens: '***' });
    let deep: unknown = 'bottom';
    for (let i = 0; i < 100; i += 1) deep = { d: deep };
    expect(JSON.stringify(maskSecrets(deep))).toContain('[too deep]');
  });
});

describe('allowedEndpoints patterns', () => {
  it('null or empty means unrestricted', () => {
    expect(compileAllowedEndpoints(null)).toBeNull();
    expect(compileAllowedEndpoints([])).toBeNull();
  });

  it('matches exact paths and * wildcards, anchored at both ends', () => {
    const allowed = compileAllowedEndpoints(['/v1/*', '/api/llm/chat', '/api/documents/*/content'])!;
    expect(allowed('/v1/chat/completions')).toBe(true);
    expect(allowed('/v1')).toBe(true);
    expect(allowed('/v10/x')).toBe(false);
    expect(allowed('/api/llm/chat')).toBe(true);
    expect(allowed('/api/llm/chat/extra')).toBe(false);
    expect(allowed('/api/documents/12/content')).toBe(true);
    expect(allowed('/api/documents/12/delete')).toBe(false);
    expect(compileAllowedEndpoints(['/api/a.b'])!('/api/aXb')).toBe(false);
  });
});

describe('credentials', () => {
  const req = (headers: Record<string, string>) =>
    ({ headers }) as unknown as Parameters<typeof credentialOf>[0];
  it('tells API keys from JWTs', () => {
    expect(credentialOf(req({ 'x-api-key': 'aras_1' }))).toEqual({ kind: 'api_key', key: 'aras_1' });
    expect(credentialOf(req({ authorization: 'Bearer aras_2' }))).toEqual({ kind: 'api_key', key: 'aras_2' });
    expect(credentialOf(req({ authorization: 'bearer eyJ.x.y' }))).toEqual({ kind: 'jwt', token: 'eyJ.x.y' });
    expect(credentialOf(req({ authorization: 'Basic abc' }))).toBeNull();
    expect(credentialOf(req({}))).toBeNull();
  });
});

describe('IdentitySigner', () => {
  it('reuses a signature for half its lifetime, then signs anew', () => {
    const signer = new IdentitySigner(SECRET_32, 60);
    const identity: Identity = { userId: 1, username: 'a', role: 'admin', authType: 'jwt', scopes: [] };
    const holder: { identity: Identity; signedUntilMs?: number } = { identity };
    const first = signer.headerFor(holder, 1_000_000);
    expect(holder.signedUntilMs).toBe(1_030_000);
    expect(signer.headerFor(holder, 1_000_000 + 29_000)).toBe(first);
    expect(holder.signedUntilMs).toBe(1_030_000);
    expect(verifyIdentity(first, SECRET_32)).toMatchObject(identity);
    signer.headerFor(holder, 1_000_000 + 31_000);
    expect(holder.signedUntilMs).toBe(1_061_000);
  });
});

describe('RevocationStore', () => {
  it('forgets a jti after its token expired and stays within its cap', () => {
    const store = new RevocationStore(createSilentLogger(), 3);
    const now = 1_000_000;
    store.revokeSession('a', now + 1000, now);
    store.revokeSession('b', now + 5000, now);
    expect(store.isSessionRevoked('a')).toBe(true);
    expect(store.sweep(now + 2000)).toBe(1);
    expect(store.isSessionRevoked('a')).toBe(false);
    expect(store.isSessionRevoked('b')).toBe(true);
    for (const jti of ['c', 'd', 'e']) store.revokeSession(jti, now + 10_000, now);
    expect(store.stats().sessions).toBe(3);
    store.revokeSession('gone', now - 1, now);
    expect(store.isSessionRevoked('gone')).toBe(false);
  });
});

describe('KeyUsageCounter', () => {
  const at = new Date('2026-01-01T00:00:00Z');

  it('adds up requests of one key, path, method, status and address into one row with the mean time', () => {
    const counter = new KeyUsageCounter(10);
    expect(counter.count(7, '/api/chats', 'GET', 200, '10.0.0.1', at, 4)).toBe(true);
    counter.count(7, '/api/chats', 'GET', 200, '10.0.0.1', new Date(at.getTime() + 500), 8);
    counter.count(7, '/api/chats', 'GET', 429, '10.0.0.1', at, 1);
    counter.count(8, '/api/chats', 'GET', 200, '10.0.0.1', at, 2);
    const rows = counter.drain();
    expect(rows).toEqual([
      {
        api_key_id: 7,
        endpoint: '/api/chats',
        method: 'GET',
        status_code: 200,
        response_time_ms: 6,
        request_ip: '10.0.0.1',
        created_at: at,
        request_count: 2,
      },
      expect.objectContaining({ api_key_id: 7, status_code: 429, request_count: 1 }),
      expect.objectContaining({ api_key_id: 8, status_code: 200, request_count: 1 }),
    ]);
    expect(counter.size).toBe(0);
    expect(counter.drain()).toEqual([]);
  });

  it('refuses a new combination beyond its cap but keeps counting known ones', () => {
    const counter = new KeyUsageCounter(1);
    expect(counter.count(1, '/a', 'GET', 200, null, at, 1)).toBe(true);
    expect(counter.count(1, '/b', 'GET', 200, null, at, 1)).toBe(false);
    expect(counter.count(1, '/a', 'GET', 200, null, at, 3)).toBe(true);
    expect(counter.drain()).toEqual([expect.objectContaining({ endpoint: '/a', request_count: 2 })]);
  });
});
