import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { ADMIN_URL, dropLeftoverTestDatabases } from '../src';

/**
 * The clean-up of crashed runs must drop only test databases whose process is gone — never the migrated
 * templates that every run (possibly another one on this machine, right now) clones from.
 */
describe('dropLeftoverTestDatabases', () => {
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ADMIN_URL, max: 1 }) }),
  });
  const suffix = randomBytes(4).toString('hex');
  // A pid far above Linux's pid_max: no process has it.
  const leftover = `arasul_t_99999999_left_${suffix}`;
  const templateLike = `arasul_test_template_keep${suffix}`;
  const exists = async (name: string) =>
    (
      await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${name}`.execute(
        admin,
      )
    ).rows[0]?.n === 1;

  afterAll(async () => {
    for (const name of [leftover, templateLike])
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
    await admin.destroy();
  });

  it('drops a dead run’s database and leaves the templates alone', async () => {
    await sql`CREATE DATABASE ${sql.id(leftover)}`.execute(admin);
    await sql`CREATE DATABASE ${sql.id(templateLike)}`.execute(admin);

    await dropLeftoverTestDatabases();

    expect({ leftover: await exists(leftover), template: await exists(templateLike) }).toEqual({
      leftover: false,
      template: true,
    });
  });
});
