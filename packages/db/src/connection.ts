import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database';

export interface CreatePoolOptions {
  connectionString: string;
  /** Default 10. */
  max?: number;
  /** Default 30 s. */
  idleTimeoutMillis?: number;
  /** Shown in pg_stat_activity, so an operator can tell which service holds a connection. */
  application_name?: string;
  /**
   * Pipelined connections (node-postgres `pipeline`): queries issued without waiting go out at once and are
   * answered in order. For a caller that checks a client out and sends a fixed sequence; default false.
   */
  pipeline?: boolean;
  /**
   * Commits answer before their WAL record is on disk (`synchronous_commit = off` for the session). For
   * writers whose rows are buffered in memory anyway (the gateway's audit log): an fsync less per batch;
   * a crash of PostgreSQL may lose the last ≤ 3 × wal_writer_delay of commits. Default false.
   */
  asyncCommit?: boolean;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;
const DATE_OID = 1082;
const INT8_ARRAY_OID = 1016;
const NUMERIC_ARRAY_OID = 1231;
const DATE_ARRAY_OID = 1182;
const TEXT_ARRAY_OID = 1009;

type ValueParser = (value: string) => unknown;
// pg-types' TypeId enum lists only scalar OIDs, while its parser table also covers arrays.
const builtinParser = pg.types.getTypeParser as (oid: number, format: 'text' | 'binary') => ValueParser;

const keepText: ValueParser = (value) => value;
const parseTextArray = builtinParser(TEXT_ARRAY_OID, 'text');

/**
 * Result parsers for every pool of the platform, matching the column types in column-types.ts:
 * int8 and numeric stay strings (no silent precision loss), date stays 'YYYY-MM-DD' (a JS Date would
 * shift it by the process time zone). Passed per pool instead of via pg.types.setTypeParser, so no
 * other code in the process can change what our queries return.
 */
const arasulTypeParsers: pg.CustomTypesConfig = {
  getTypeParser: (oid: number, format?: string) => {
    if (format === undefined || format === 'text') {
      switch (oid) {
        case INT8_OID:
        case NUMERIC_OID:
        case DATE_OID:
          return keepText;
        case INT8_ARRAY_OID:
        case NUMERIC_ARRAY_OID:
        case DATE_ARRAY_OID:
          return parseTextArray;
      }
    }
    return builtinParser(oid, format === 'binary' ? 'binary' : 'text');
  },
};

export function createPool(opts: CreatePoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: opts.connectionString,
    max: opts.max ?? 10,
    idleTimeoutMillis: opts.idleTimeoutMillis ?? 30_000,
    // Fail fast when Postgres is down instead of queueing requests behind a hanging connect.
    connectionTimeoutMillis: 5_000,
    application_name: opts.application_name,
    pipeline: opts.pipeline ?? false,
    ...(opts.asyncCommit === true ? { options: '-c synchronous_commit=off' } : {}),
    types: arasulTypeParsers,
  });
  // An idle client whose connection dies (e.g. Postgres restarts) is dropped by the pool and replaced on the
  // next checkout. Without a listener, Node would treat that 'error' event as fatal and kill the service.
  // Services add their own listener to log it.
  pool.on('error', () => undefined);
  return pool;
}

/** The Kysely instance over a pool. Closing it (`db.destroy()`) also ends the pool. */
export function createDb<DB = Database>(pool: pg.Pool): Kysely<DB> {
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}
