/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * `api_key_usage` rows become counts: the gateway adds up a key's requests with the same endpoint, method,
 * status and client address in memory and writes one row per combination and flush (about a second),
 * instead of one row per request. `request_count` says how many requests a row stands for (1 for every row
 * written before), `response_time_ms` is their mean. Per-request detail stays in `api_audit_logs`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('api_key_usage')
    .addColumn('request_count', 'integer', (col) => col.notNull().defaultTo(1))
    .execute();
  await sql`ALTER TABLE api_key_usage ADD CONSTRAINT api_key_usage_request_count_check CHECK (request_count > 0)`.execute(
    db,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_key_usage').dropColumn('request_count').execute();
}
