/**
 * Column types shared by every table interface. They describe what node-postgres returns with the pool
 * from `createPool` (see connection.ts), so the TypeScript type of a selected value is what is really there.
 */
import type { ColumnType } from 'kysely';

/**
 * A column the database fills when the insert omits it (serial, DEFAULT now(), DEFAULT gen_random_uuid(), …).
 * Unlike kysely's own `Generated`, this also unwraps a `ColumnType`, so `Generated<Timestamp>` still selects
 * as `Date`.
 */
export type Generated<T> =
  T extends ColumnType<infer S, infer I, infer U>
    ? ColumnType<S, I | undefined, U>
    : ColumnType<T, T | undefined, T>;

/** A column computed by the database (GENERATED ALWAYS … STORED): readable, never written. */
export type GeneratedAlways<T> = ColumnType<T, never, never>;

/** timestamptz: selected as a Date; written as a Date or an ISO-8601 string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;

/** date: kept as 'YYYY-MM-DD' text, because a JS Date would silently shift it to the server's time zone. */
export type DateOnly = ColumnType<string, string, string>;

/** time (without zone): 'HH:MM[:SS]' text, e.g. quiet hours. */
export type TimeOfDay = string;

/** numeric/decimal: selected as a string so no precision is lost; written as a string or number. */
export type Numeric = ColumnType<string, string | number, string | number>;

/** bigint (int8) and count(*): selected as a string because the value may exceed 2^53. */
export type Int8 = ColumnType<string, string | number, string | number>;

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = Record<string, JsonValue>;

/**
 * json/jsonb: selected already parsed. Written as JSON text (`JSON.stringify(value)`): node-postgres would
 * turn a JS array into a Postgres array literal, which is not valid JSON, so objects are not accepted here.
 */
export type Json<T = JsonValue> = ColumnType<T, string, string>;
