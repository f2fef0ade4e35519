import { sql, type Kysely } from 'kysely';
import type { Database } from '@arasul/db';

/** One `api_audit_logs` row as the gateway records it; `request_payload` is JSON text (or null). */
export interface AuditRow {
  timestamp: Date;
  user_id: number | null;
  username: string | null;
  action_type: string;
  target_endpoint: string;
  request_method: string;
  request_payload: string | null;
  response_status: number;
  duration_ms: number;
  ip_address: string | null;
  user_agent: string | null;
  error_message: string | null;
}

/** Requests of one key with the same endpoint, method, status and client address (KeyUsageCounter). */
export interface KeyUsageRow {
  api_key_id: number;
  endpoint: string;
  method: string;
  status_code: number;
  /** The mean over `request_count` requests. */
  response_time_ms: number;
  request_ip: string | null;
  /** When the first of them came in. */
  created_at: Date;
  request_count: number;
}

/**
 * One INSERT per batch, with one array parameter per column (`unnest`): the statement text never changes
 * and costs the same to build for 1 row or 200. A user or key deleted between the request and the flush
 * must not fail the batch on its foreign key: user_id falls back to NULL (as ON DELETE SET NULL would have
 * done) and usage rows of a deleted key are skipped (as its ON DELETE CASCADE would have done).
 */
export async function insertAuditRows(db: Kysely<Database>, rows: readonly AuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof AuditRow>(key: K): AuditRow[K][] => rows.map((row) => row[key]);
  await sql`
    INSERT INTO api_audit_logs (
      "timestamp", user_id, username, action_type, target_endpoint, request_method, request_payload,
      response_status, duration_ms, ip_address, user_agent, error_message)
    SELECT r.ts, u.id, r.username, r.action_type, r.target_endpoint, r.request_method, r.request_payload,
      r.response_status, r.duration_ms, r.ip_address, r.user_agent, r.error_message
    FROM unnest(
      ${column('timestamp')}::timestamptz[], ${column('user_id')}::integer[], ${column('username')}::varchar[],
      ${column('action_type')}::varchar[], ${column('target_endpoint')}::varchar[], ${column('request_method')}::varchar[],
      ${column('request_payload')}::jsonb[], ${column('response_status')}::integer[], ${column('duration_ms')}::integer[],
      ${column('ip_address')}::varchar[], ${column('user_agent')}::text[], ${column('error_message')}::text[]
    ) AS r (ts, user_id, username, action_type, target_endpoint, request_method, request_payload,
      response_status, duration_ms, ip_address, user_agent, error_message)
    LEFT JOIN admin_users u ON u.id = r.user_id
  `.execute(db);
}

export async function insertKeyUsageRows(db: Kysely<Database>, rows: readonly KeyUsageRow[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <K extends keyof KeyUsageRow>(key: K): KeyUsageRow[K][] => rows.map((row) => row[key]);
  await sql`
    INSERT INTO api_key_usage (api_key_id, endpoint, method, status_code, response_time_ms, request_ip, created_at,
      request_count)
    SELECT r.api_key_id, r.endpoint, r.method, r.status_code, r.response_time_ms, r.request_ip, r.created_at,
      r.request_count
    FROM unnest(
      ${column('api_key_id')}::integer[], ${column('endpoint')}::varchar[], ${column('method')}::varchar[],
      ${column('status_code')}::integer[], ${column('response_time_ms')}::integer[], ${column('request_ip')}::varchar[],
      ${column('created_at')}::timestamptz[], ${column('request_count')}::integer[]
    ) AS r (api_key_id, endpoint, method, status_code, response_time_ms, request_ip, created_at, request_count)
    WHERE EXISTS (SELECT 1 FROM api_keys k WHERE k.id = r.api_key_id)
  `.execute(db);
}

/** Seed 000's retention function for the audit log, plus the same horizon for key usage. */
export async function deleteExpiredAuditRows(
  db: Kysely<Database>,
  retentionDays: number,
): Promise<{ auditRows: number; usageRows: number }> {
  const audit = await sql<{
    removed: number;
  }>`SELECT cleanup_old_api_audit_logs(${retentionDays}::integer) AS removed`.execute(db);
  const usage = await sql<{
    removed: number;
  }>`SELECT cleanup_old_api_key_usage(${retentionDays}::integer) AS removed`.execute(db);
  return { auditRows: audit.rows[0]?.removed ?? 0, usageRows: usage.rows[0]?.removed ?? 0 };
}
