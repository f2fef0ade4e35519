import type { AuditRow, KeyUsageRow } from './audit.repository';

/** NUL, and surrogates that are not part of a pair: Postgres text and jsonb refuse both (22021 / 22P05). */
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text as Postgres can store it: each unstorable character becomes U+FFFD. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** At most `max` UTF-16 units, cut so that no surrogate pair is split, and storable. */
export function storableSlice(text: string, max: number): string {
  return storableText(text.length > max ? text.slice(0, max) : text);
}

function nullableSlice(text: string | null, max: number): string | null {
  return text === null ? null : storableSlice(text, max);
}

/** The audit row with every text column storable and within its column's length (in place: rows are fresh). */
export function storableAuditRow(row: AuditRow): AuditRow {
  row.username = nullableSlice(row.username, 50);
  row.action_type = storableSlice(row.action_type, 50);
  row.target_endpoint = storableSlice(row.target_endpoint, 500);
  row.request_method = storableSlice(row.request_method, 10);
  row.ip_address = nullableSlice(row.ip_address, 45);
  row.user_agent = nullableSlice(row.user_agent, 1000);
  row.error_message = nullableSlice(row.error_message, 2000);
  return row;
}

/**
 * The last resort for a row the database still refused: the same facts (who, what, when, outcome) with
 * every free-text field replaced by plain ASCII, so the request is never missing from the log.
 */
export function fallbackAuditRow(row: AuditRow, sqlState: string): AuditRow {
  const ascii = (text: string | null, max: number) =>
    text === null ? null : text.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
  return {
    ...row,
    username: ascii(row.username, 50),
    action_type: ascii(row.action_type, 50) ?? 'UNKNOWN',
    target_endpoint: ascii(row.target_endpoint, 500) ?? '',
    request_method: ascii(row.request_method, 10) ?? '',
    request_payload: JSON.stringify({ _omitted: `payload rejected by the database (SQLSTATE ${sqlState})` }),
    ip_address: ascii(row.ip_address, 45),
    user_agent: ascii(row.user_agent, 1000),
    error_message: ascii(row.error_message, 2000),
  };
}

export function fallbackKeyUsageRow(row: KeyUsageRow): KeyUsageRow {
  const ascii = (text: string, max: number) => text.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
  return {
    ...row,
    endpoint: ascii(row.endpoint, 255),
    method: ascii(row.method, 10),
    request_ip: row.request_ip === null ? null : ascii(row.request_ip, 45),
  };
}
