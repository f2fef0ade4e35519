import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import {
  createDb,
  createPool,
  migrateToLatest,
  type DataDatabase,
  type Database,
  type MigrationSet,
} from '@arasul/db';

/** Superuser connection used only to create and drop test databases. */
export const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_DB_PREFIX = 'arasul_t_';
const TEMPLATE_PREFIX: Record<MigrationSet, string> = {
  main: 'arasul_test_template_',
  data: 'arasul_data_test_template_',
};
const MIGRATIONS_DIR = join(__dirname, '..', '..', 'db', 'src', 'migrations');

export function urlFor(database: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(fn: (admin: Kysely<unknown>) => Promise<T>): Promise<T> {
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ADMIN_URL, max: 1 }) }),
  });
  try {
    return await fn(admin);
  } finally {
    await admin.destroy();
  }
}

async function dropDatabase(admin: Kysely<unknown>, name: string): Promise<void> {
  // WITH (FORCE) ends connections a crashed test left open (PostgreSQL 13+).
  await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
}

/** A fingerprint of the migration sources: the template is rebuilt only when a migration changed. */
let fingerprint: string | undefined;
function migrationsFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir).sort()) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(entry).update(readFileSync(path));
    }
  };
  walk(MIGRATIONS_DIR);
  fingerprint = hash.digest('hex').slice(0, 12);
  return fingerprint;
}

/** The template of a migration set for the current migration sources (one per fingerprint, so two test runs
 * on different checkouts of the schema never rebuild a template the other one is cloning from). */
function templateName(set: MigrationSet): string {
  return `${TEMPLATE_PREFIX[set]}${migrationsFingerprint()}`;
}

/**
 * Builds (or reuses) one migrated template database per migration set. Each test file then clones it with
 * `CREATE DATABASE … TEMPLATE`, which takes milliseconds instead of re-running every migration.
 */
export async function prepareTemplates(): Promise<void> {
  // Two test runs starting at once (a developer's and CI's) must not both build the same template: the
  // second waits on a session lock, then finds it complete.
  await withAdmin((pool) =>
    pool.connection().execute((admin) => withTemplateLock(admin, () => buildTemplates(admin))),
  );
}

async function withTemplateLock<T>(admin: Kysely<unknown>, fn: () => Promise<T>): Promise<T> {
  await sql`SELECT pg_advisory_lock(hashtext('arasul-test-templates'))`.execute(admin);
  try {
    return await fn();
  } finally {
    await sql`SELECT pg_advisory_unlock(hashtext('arasul-test-templates'))`.execute(admin);
  }
}

async function buildTemplates(admin: Kysely<unknown>): Promise<void> {
  for (const set of Object.keys(TEMPLATE_PREFIX) as MigrationSet[]) {
    const template = templateName(set);
    const { rows } = await sql<{ comment: string | null }>`
        SELECT shobj_description(oid, 'pg_database') AS comment FROM pg_database WHERE datname = ${template}`.execute(
      admin,
    );
    if (rows[0]?.comment?.startsWith('complete')) continue;

    // A half-built template (a run that died while migrating) is rebuilt.
    await dropDatabase(admin, template);
    await sql`CREATE DATABASE ${sql.id(template)}`.execute(admin);
    const db = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: urlFor(template), max: 1 }) }),
    });
    try {
      await migrateToLatest(db, set);
    } finally {
      await db.destroy();
    }
    await sql`COMMENT ON DATABASE ${sql.id(template)} IS ${sql.lit(`complete ${Date.now()}`)}`.execute(admin);
  }
  await dropStaleTemplates(admin);
}

/** Templates of older schemas pile up while migrations are written; one built more than a day ago is dropped. Newer
 * ones stay: another test run on this machine may still clone from them. */
async function dropStaleTemplates(admin: Kysely<unknown>): Promise<void> {
  const dayAgo = Date.now() - 24 * 3600 * 1000;
  const { rows } = await sql<{ datname: string; comment: string | null }>`
    SELECT datname, shobj_description(oid, 'pg_database') AS comment FROM pg_database
    WHERE datname LIKE 'arasul\_%test\_template\_%'`.execute(admin);
  const current = new Set((Object.keys(TEMPLATE_PREFIX) as MigrationSet[]).map(templateName));
  for (const { datname, comment } of rows) {
    const builtAt = Number(comment?.split(' ')[1] ?? 0);
    if (current.has(datname) || builtAt > dayAgo) continue;
    await sql`DROP DATABASE IF EXISTS ${sql.id(datname)}`.execute(admin).catch(() => undefined);
  }
}

/** `_` and `%` are wildcards in LIKE: unescaped, `arasul_t_%` also matched the templates (`arasul_test_template_…`),
 * so one run's clean-up dropped the templates another run was cloning from. */
function likeEscape(text: string): string {
  return text.replace(/[\\_%]/g, (c) => `\\${c}`);
}

/** The pid a test database name carries (`arasul_t_<pid>_…`), or undefined for a name without one. */
function ownerPid(database: string): number | undefined {
  const match = /^arasul_t_(\d+)_/.exec(database);
  return match ? Number(match[1]) : undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Drops the test databases that crashed runs left behind: those whose owning process is gone. Databases of
 * a test run that is still going (another jest on the same machine) are left alone.
 */
export async function dropLeftoverTestDatabases(): Promise<number> {
  return withAdmin(async (admin) => {
    const { rows } = await sql<{ datname: string }>`
      SELECT datname FROM pg_database WHERE datname LIKE ${`${likeEscape(TEST_DB_PREFIX)}%`}`.execute(admin);
    const leftovers = rows.filter(({ datname }) => {
      const pid = ownerPid(datname);
      return pid === undefined || !processAlive(pid);
    });
    for (const { datname } of leftovers) await dropDatabase(admin, datname);
    return leftovers.length;
  });
}

/** A database name for a test that creates its own database: cleaned up by the next run if it leaks. */
export function testDatabaseName(label: string): string {
  if (!/^[a-z0-9]{1,16}$/.test(label))
    throw new Error(`test database label must be short [a-z0-9]: ${label}`);
  return `${TEST_DB_PREFIX}${process.pid}_${label}_${randomBytes(4).toString('hex')}`;
}

export interface TestDatabase<DB> {
  name: string;
  url: string;
  pool: pg.Pool;
  db: Kysely<DB>;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

async function cloneTemplate<DB>(set: MigrationSet): Promise<TestDatabase<DB>> {
  const name = testDatabaseName(set);
  await withAdmin((admin) =>
    sql`CREATE DATABASE ${sql.id(name)} TEMPLATE ${sql.id(templateName(set))}`.execute(admin),
  );
  const url = urlFor(name);
  const pool = createPool({ connectionString: url, max: 5, application_name: 'arasul-test' });
  const db = createDb<DB>(pool);
  return {
    name,
    url,
    pool,
    db,
    drop: async () => {
      await db.destroy();
      await withAdmin((admin) => dropDatabase(admin, name));
    },
  };
}

/** A fresh, fully migrated `arasul_db` clone for one test file. */
export function createTestDatabase(): Promise<TestDatabase<Database>> {
  return cloneTemplate<Database>('main');
}

/** A fresh, fully migrated `arasul_data_db` clone for one test file. */
export function createTestDataDatabase(): Promise<TestDatabase<DataDatabase>> {
  return cloneTemplate<DataDatabase>('data');
}
