/** Reading the provisioning settings from the environment. No IO except temp files for *_FILE secrets. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadProvisionConfig } from '../src/config';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'arasul-db-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function secretFile(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadProvisionConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadProvisionConfig', () => {
  it('uses the seed defaults when nothing is set (empty counts as unset)', () => {
    expect(loadProvisionConfig({ POSTGRES_HOST: '' })).toEqual({
      adminUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
      host: '127.0.0.1',
      port: 5432,
      main: { database: 'arasul_db', user: 'arasul', password: undefined },
      data: { database: 'arasul_data_db', user: 'arasul_data', password: undefined },
    });
  });

  it('reads passwords from *_FILE without the trailing newline', () => {
    const config = loadProvisionConfig({
      POSTGRES_PASSWORD_FILE: secretFile('main', 's3cret\n'),
      DATA_DB_PASSWORD: 'data-pass',
    });
    expect(config.main.password).toBe('s3cret');
    expect(config.data.password).toBe('data-pass');
  });

  it('lists every bad variable at once', () => {
    expect(
      issuesOf({
        POSTGRES_PORT: '99999',
        POSTGRES_USER: 'Arasul',
        DATA_DB_NAME: 'bad-name;drop',
        POSTGRES_ADMIN_URL: 'mysql://root@localhost',
      }),
    ).toEqual([
      'POSTGRES_PORT: must be 1-65535',
      'POSTGRES_USER: must match ^[a-z_][a-z0-9_]{0,62}$',
      'DATA_DB_NAME: must match ^[a-z_][a-z0-9_]{0,62}$',
      'POSTGRES_ADMIN_URL: must be a postgres:// URL',
    ]);
  });

  it('rejects a secret given twice, an unreadable secret file, and one database for both sets', () => {
    expect(
      issuesOf({
        POSTGRES_PASSWORD: 'a',
        POSTGRES_PASSWORD_FILE: secretFile('twice', 'b'),
        DATA_DB_PASSWORD_FILE: join(dir, 'missing'),
        DATA_DB_NAME: 'arasul_db',
      }),
    ).toEqual([
      'POSTGRES_PASSWORD: set either POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, not both',
      `DATA_DB_PASSWORD_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
      'DATA_DB_NAME: must differ from POSTGRES_DB (both are arasul_db)',
    ]);
  });

  it('returns a frozen config', () => {
    const config = loadProvisionConfig({});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.main)).toBe(true);
  });
});
