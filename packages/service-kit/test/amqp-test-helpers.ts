import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { up as createProcessedMessagesTable } from '../../db/src/migrations/main/029_processed_messages';

export const RABBITMQ_URL = process.env.RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
const ADMIN_URL = process.env.TEST_POSTGRES_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Polls `predicate` every 20 ms until it holds; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(20);
  }
}

export interface ScratchDatabase {
  name: string;
  db: Kysely<unknown>;
  drop: () => Promise<void>;
}

/**
 * A throw-away database `arasul_amqptest_<random>` with only the 029 migration applied (plus whatever
 * `extraSql` creates), dropped by `drop()`.
 */
export async function createScratchDatabase(extraSql: string[] = []): Promise<ScratchDatabase> {
  const name = `arasul_amqptest_${randomBytes(5).toString('hex')}`;
  const admin = new Kysely<unknown>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ADMIN_URL, max: 1 }) }),
  });
  await sql`CREATE DATABASE ${sql.id(name)}`.execute(admin);
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const pool = new pg.Pool({ connectionString: url.toString(), max: 10 });
  // DROP … WITH (FORCE) may still find a connection the pool is closing; that error is expected.
  pool.on('error', () => undefined);
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  await createProcessedMessagesTable(db);
  for (const statement of extraSql) await sql.raw(statement).execute(db);
  return {
    name,
    db,
    drop: async () => {
      await db.destroy();
      try {
        await sql`DROP DATABASE IF EXISTS ${sql.id(name)} WITH (FORCE)`.execute(admin);
      } finally {
        await admin.destroy();
      }
    },
  };
}
