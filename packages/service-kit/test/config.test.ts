import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, env, loadConfig, postgresUrl } from '../src';

const schema = z.object({
  PORT: env.port(8080),
  DEBUG: env.bool(false),
  JWT_SECRET: z.string().min(32),
  MODE: z.enum(['a', 'b']).default('a'),
});

describe('loadConfig', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'arasul-config-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses, applies defaults and freezes the result', () => {
    const config = loadConfig(schema, { JWT_SECRET: 'x'.repeat(32), DEBUG: 'true' });
    expect(config).toEqual({ PORT: 8080, DEBUG: true, JWT_SECRET: 'x'.repeat(32), MODE: 'a' });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: '99999', MODE: 'c' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/PORT/);
    expect(problems).toMatch(/JWT_SECRET/);
    expect(problems).toMatch(/MODE/);
  });

  it('reads NAME_FILE secrets and treats an empty value as unset', () => {
    const file = join(dir, 'jwt');
    writeFileSync(file, `${'s'.repeat(40)}\n`);
    const config = loadConfig(schema, { JWT_SECRET_FILE: file, PORT: '' });
    expect(config.JWT_SECRET).toBe('s'.repeat(40));
    expect(config.PORT).toBe(8080);
  });

  it('refuses a secret given twice and a secret file it cannot read', () => {
    expect(() =>
      loadConfig(schema, { JWT_SECRET: 'x'.repeat(32), JWT_SECRET_FILE: '/etc/hostname' }),
    ).toThrow(/set either JWT_SECRET or JWT_SECRET_FILE/);
    expect(() => loadConfig(schema, { JWT_SECRET_FILE: join(dir, 'missing') })).toThrow(
      /cannot read .*ENOENT/,
    );
  });

  it('escapes credentials when building a postgres URL', () => {
    const url = postgresUrl({
      POSTGRES_HOST: 'db',
      POSTGRES_PORT: 5432,
      POSTGRES_USER: 'arasul',
      POSTGRES_PASSWORD: 'p@ss:/word',
      POSTGRES_DB: 'arasul_db',
    });
    expect(url).toBe('postgres://arasul:p%40ss%3A%2Fword@db:5432/arasul_db');
    expect(new URL(url).password).toBe('p%40ss%3A%2Fword');
  });
});
