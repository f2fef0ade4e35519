import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@arasul/service-kit';
import { parseAuthConfig } from '../src/config';

const secrets = { JWT_SECRET: 'j'.repeat(32), INTERNAL_SECRET: 'i'.repeat(32) };

describe('auth config', () => {
  it('applies the documented defaults', () => {
    const config = parseAuthConfig(secrets);
    expect(config).toMatchObject({
      AUTH_PORT: 8081,
      AUTH_HOST: '127.0.0.1',
      ACCESS_TOKEN_TTL_SECONDS: 900,
      SESSION_IDLE_TIMEOUT_SECONDS: 7200,
      SESSION_ABSOLUTE_TIMEOUT_SECONDS: 43_200,
      API_KEY_ROTATION_GRACE_SECONDS: 86_400,
      LOGIN_IP_MAX_FAILURES: 5,
      LOGIN_ACCOUNT_MAX_FAILURES: 20,
      COOKIE_SECURE: false,
      TRUST_PROXY: false,
    });
    expect(config.N8N_WEBHOOK_SECRET).toBeUndefined();
  });

  it('refuses to start without strong secrets and names every bad variable', () => {
    expect(() => parseAuthConfig({ JWT_SECRET: 'short' })).toThrow(ConfigError);
    try {
      parseAuthConfig({ JWT_SECRET: 'short', AUTH_PORT: 'x' });
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('JWT_SECRET');
      expect(problems).toContain('INTERNAL_SECRET');
      expect(problems).toContain('AUTH_PORT');
    }
  });

  it('reads secrets from *_FILE', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-config-'));
    const file = join(dir, 'jwt');
    writeFileSync(file, `${'f'.repeat(40)}\n`);
    const config = parseAuthConfig({ JWT_SECRET_FILE: file, INTERNAL_SECRET: 'i'.repeat(32) });
    expect(config.JWT_SECRET).toBe('f'.repeat(40));
  });

  it('trusts forwarded headers only from the proxy addresses TRUST_PROXY lists', () => {
    expect(parseAuthConfig({ ...secrets, TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(parseAuthConfig({ ...secrets, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).TRUST_PROXY).toEqual([
      'loopback',
      '10.0.0.0/8',
    ]);
    expect(() => parseAuthConfig({ ...secrets, TRUST_PROXY: '1' })).toThrow(/TRUST_PROXY/);
    expect(() => parseAuthConfig({ ...secrets, TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY/);
    expect(() => parseAuthConfig({ ...secrets, TRUST_PROXY: 'gateway.example' })).toThrow(/TRUST_PROXY/);
    expect(parseAuthConfig({ ...secrets, COOKIE_SECURE: 'true' }).COOKIE_SECURE).toBe(true);
  });
});
