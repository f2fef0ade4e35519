/**
 * Scratch databases for the tests of this package. The migrations themselves are under test here, so these
 * start EMPTY (no template clone). Names use the prefix `arasul_dbtest_`, which the shared testkit cleanup
 * (`arasul_t_*`) never touches, so a parallel jest run elsewhere cannot drop them mid-test.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import { createDb, createPool } from '../../src/connection';

export const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const SCRATCH_PREFIX = 'arasul_dbtest_';

/** `arasul_dbtest_<label>_<pid>_<random>`: unique across parallel files and runs. */
export function uniqueName(label: string): string {
  return `${SCRATCH_PREFIX}${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

export function urlFor(database: string, user?: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${database}`;
  if (user !== undefined) {
    url.username = user;
    url.password = '';
  }
  return url.toString();
}

export async function withAdmin<T>(use: (admin: Kysely<unknown>) => Promise<T>): Promise<T> {
  const admin = createDb<unknown>(createPool({ connectionString: ADMIN_URL, max: 1 }));
  try {
    return await use(admin);
  } finally {
    await admin.destroy();
  }
}

export async function dropDatabases(...names: string[]): Promise<void> {
  await withAdmin(async (admin) => {
    for (const name of names) {
      // WITH (FORCE) ends connections a failed test left open.
      await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
    }
  });
}

export async function dropRoles(...names: string[]): Promise<void> {
  await withAdmin(async (admin) => {
    for (const name of names) await sql`DROP ROLE IF EXISTS ${sql.id(name)}`.execute(admin);
  });
}

export interface ScratchDatabase<DB> {
  name: string;
  url: string;
  db: Kysely<DB>;
  /** Closes the pool and drops the database. */
  drop: () => Promise<void>;
}

/** An empty database owned by the admin, with a Kysely instance on it. */
export async function createScratchDatabase<DB>(label: string): Promise<ScratchDatabase<DB>> {
  const name = uniqueName(label);
  await withAdmin((admin) => sql`CREATE DATABASE ${sql.id(name)}`.execute(admin));
  const url = urlFor(name);
  const db = createDb<DB>(createPool({ connectionString: url, max: 3, application_name: 'arasul-db-test' }));
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.destroy();
      await dropDatabases(name);
    },
  };
}

/** The Postgres error code (SQLSTATE) of a rejected promise, e.g. '23505'. Fails if it did not reject. */
export async function pgErrorCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error: unknown) {
    if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
      return error.code;
    }
    throw error;
  }
  throw new Error('expected the statement to be rejected by the database, but it succeeded');
}
