/** The migrate CLI as the operator sees it: its output lines and exit codes. */
import { runCli } from '../src/cli';
import { dataMigrations } from '../src/migrations/data';
import { mainMigrations } from '../src/migrations/main';
import { ADMIN_URL, dropDatabases, dropRoles, uniqueName } from './helpers/scratch-database';

const mainRole = uniqueName('cli_main');
const dataRole = uniqueName('cli_data');
const admin = new URL(ADMIN_URL);
const mainCount = Object.keys(mainMigrations).length;
const dataCount = Object.keys(dataMigrations).length;
const env = {
  POSTGRES_ADMIN_URL: ADMIN_URL,
  POSTGRES_HOST: admin.hostname,
  POSTGRES_PORT: admin.port || '5432',
  POSTGRES_USER: mainRole,
  POSTGRES_DB: `${mainRole}_db`,
  DATA_DB_USER: dataRole,
  DATA_DB_NAME: `${dataRole}_db`,
};

/** Runs the CLI and returns its exit code and everything it printed, stdout and stderr apart. */
async function run(args: string[], environment: Record<string, string | undefined> = env) {
  const out: string[] = [];
  const err: string[] = [];
  const capture = (into: string[]) => (chunk: string | Uint8Array) => {
    into.push(...String(chunk).replace(/\n$/, '').split('\n'));
    return true;
  };
  const log = jest.spyOn(process.stdout, 'write').mockImplementation(capture(out));
  const error = jest.spyOn(process.stderr, 'write').mockImplementation(capture(err));
  try {
    const code = await runCli(args, environment);
    return { code, out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

afterAll(async () => {
  await dropDatabases(env.POSTGRES_DB, env.DATA_DB_NAME);
  await dropRoles(mainRole, dataRole);
});

describe('cli migrate', () => {
  it('reports what it created and applied, then "already up to date" on the next run', async () => {
    const first = await run([]);
    expect(first.code).toBe(0);
    expect(first.err).toEqual([]);
    expect(first.out).toEqual(
      expect.arrayContaining([
        `created role ${mainRole}`,
        `created role ${dataRole}`,
        `created database ${env.POSTGRES_DB}`,
        `created database ${env.DATA_DB_NAME}`,
        `applied ${env.POSTGRES_DB} 001_metrics`,
        `applied ${env.POSTGRES_DB} 027_model_ollama_name`,
        `applied ${env.DATA_DB_NAME} 001_meta_schema`,
        `applied ${env.DATA_DB_NAME} 002_quotes_schema`,
      ]),
    );
    expect(first.out.at(-1)).toMatch(
      new RegExp(`^migrate: ${mainCount} main \\+ ${dataCount} data migrations applied in \\d+ ms$`),
    );

    const second = await run(['migrate']);
    expect(second).toEqual({
      code: 0,
      out: [expect.stringMatching(/^migrate: already up to date \(\d+ ms\)$/)],
      err: [],
    });
  });

  it('names every bad variable in one line and exits 2 without touching the server', async () => {
    const result = await run([], { ...env, POSTGRES_PORT: 'abc', DATA_DB_NAME: 'bad-name;drop' });

    expect(result.code).toBe(2);
    expect(result.out).toEqual([]);
    expect(result.err).toHaveLength(1);
    expect(result.err[0]).toMatch(
      /^migrate: invalid environment: .*POSTGRES_PORT: .*; DATA_DB_NAME: must match/,
    );
  });

  it('fails with a one-line reason when the server is unreachable', async () => {
    const result = await run([], { ...env, POSTGRES_ADMIN_URL: 'postgres://postgres@127.0.0.1:1/postgres' });

    expect(result.code).toBe(1);
    expect(result.err).toEqual([
      expect.stringMatching(/^migrate failed: ensuring role \S+: connect ECONNREFUSED/),
    ]);
  });
});

describe('cli down', () => {
  it('refuses without --yes', async () => {
    const result = await run(['down']);
    expect(result.code).toBe(2);
    expect(result.err.join('\n')).toMatch(/pass --yes/);
  });

  it('reverts both databases with --yes', async () => {
    const result = await run(['down', '--yes']);
    expect(result.code).toBe(0);
    expect(result.out[0]).toBe(`reverted ${env.DATA_DB_NAME} 002_quotes_schema`);
    expect(result.out.at(-1)).toMatch(
      new RegExp(`^down: ${mainCount} main \\+ ${dataCount} data migrations reverted in \\d+ ms$`),
    );
  });

  it('rejects unknown commands', async () => {
    expect((await run(['migrate-all'])).code).toBe(2);
    expect((await run(['migrate', '--force'])).code).toBe(2);
  });
});
