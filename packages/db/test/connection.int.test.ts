/** The pool every service gets from createPool: its value types, its name, and surviving a dropped connection. */
import { sql } from 'kysely';
import { createDb, createPool } from '../src/connection';
import { ADMIN_URL, withAdmin } from './helpers/scratch-database';

describe('createPool', () => {
  it('returns exact strings for int8, numeric and date, Date for timestamptz, arrays as arrays', async () => {
    const db = createDb<unknown>(createPool({ connectionString: ADMIN_URL, max: 1 }));
    try {
      const { rows } = await sql<Record<string, unknown>>`
        SELECT 9007199254740993::int8 AS big,
               123456789.123456789::numeric AS exact,
               DATE '2024-02-29' AS day,
               TIMESTAMPTZ '2024-02-29 12:00:00+00' AS moment,
               ARRAY[1, 9007199254740993]::int8[] AS bigs,
               ARRAY[0.1, 0.2]::numeric[] AS decimals,
               ARRAY[DATE '2024-01-01']::date[] AS days,
               42::int4 AS small`.execute(db);

      expect(rows[0]).toEqual({
        big: '9007199254740993',
        exact: '123456789.123456789',
        day: '2024-02-29',
        moment: new Date('2024-02-29T12:00:00Z'),
        bigs: ['1', '9007199254740993'],
        decimals: ['0.1', '0.2'],
        days: ['2024-01-01'],
        small: 42,
      });
    } finally {
      await db.destroy();
    }
  });

  it('does not change the parsers of other pools in the process', async () => {
    const { default: pg } = await import('pg');
    const plain = new pg.Pool({ connectionString: ADMIN_URL, max: 1 });
    try {
      const { rows } = await plain.query<{ day: unknown }>(`SELECT DATE '2024-02-29' AS day`);
      expect(rows[0]?.day).toBeInstanceOf(Date);
    } finally {
      await plain.end();
    }
  });

  it('commits without waiting for the WAL flush only when asked (asyncCommit), and pipelines when asked', async () => {
    const plain = createPool({ connectionString: ADMIN_URL, max: 1 });
    const relaxed = createPool({ connectionString: ADMIN_URL, max: 1, asyncCommit: true, pipeline: true });
    try {
      const setting = async (pool: typeof plain) =>
        (await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]
          ?.synchronous_commit;
      expect(await setting(plain)).toBe('on');
      expect(await setting(relaxed)).toBe('off');
      // Pipelined: three queries issued without waiting are answered in order on one connection.
      const client = await relaxed.connect();
      try {
        expect(client.pipeline).toBe(true);
        const answers = await Promise.all([
          client.query<{ n: number }>('SELECT 1 AS n'),
          client.query<{ n: number }>('SELECT $1::int AS n', [2]),
          client.query<{ n: number }>('SELECT 3 AS n'),
        ]);
        expect(answers.map((a) => a.rows[0]?.n)).toEqual([1, 2, 3]);
      } finally {
        client.release();
      }
    } finally {
      await plain.end();
      await relaxed.end();
    }
  });

  it('names its connections and survives the server dropping an idle one', async () => {
    const applicationName = `arasul-db-test-${process.pid}`;
    const pool = createPool({ connectionString: ADMIN_URL, max: 1, application_name: applicationName });
    const db = createDb<unknown>(pool);
    // Its own listener is what keeps Node from treating the idle client's error as fatal.
    expect(pool.listenerCount('error')).toBe(1);
    try {
      await sql`SELECT 1`.execute(db);
      const idleClientFailed = new Promise((resolve) => pool.once('error', resolve));

      const terminated = await withAdmin(async (admin) => {
        const { rows } = await sql<{ terminated: boolean }>`
          SELECT pg_terminate_backend(pid) AS terminated
            FROM pg_stat_activity WHERE application_name = ${applicationName}`.execute(admin);
        return rows.map((row) => row.terminated);
      });
      expect(terminated).toEqual([true]);
      await idleClientFailed;

      const { rows } = await sql<{ ok: number }>`SELECT 1 AS ok`.execute(db);
      expect(rows).toEqual([{ ok: 1 }]);
    } finally {
      await db.destroy();
    }
  });
});
