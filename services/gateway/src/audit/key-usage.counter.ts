import type { KeyUsageRow } from './audit.repository';

interface Tally {
  apiKeyId: number;
  endpoint: string;
  method: string;
  status: number;
  ip: string | null;
  firstAt: Date;
  count: number;
  totalMs: number;
}

/**
 * Counts API-key requests in memory: one tally per key, endpoint, method, status and client address,
 * turned into `api_key_usage` rows (`request_count`, mean `response_time_ms`) when the audit writer flushes.
 * A busy key costs a map lookup per request instead of a row; the number of tallies is capped, and a request
 * that would need a new tally beyond the cap is counted as dropped.
 */
export class KeyUsageCounter {
  private tallies = new Map<string, Tally>();

  constructor(private readonly maxTallies: number) {}

  /** false when the request could not be counted (the cap is reached). */
  count(
    apiKeyId: number,
    endpoint: string,
    method: string,
    status: number,
    ip: string | null,
    at: Date,
    ms: number,
  ): boolean {
    const id = `${String(apiKeyId)} ${method} ${String(status)} ${ip ?? ''} ${endpoint}`;
    const tally = this.tallies.get(id);
    if (tally !== undefined) {
      tally.count += 1;
      tally.totalMs += ms;
      return true;
    }
    if (this.tallies.size >= this.maxTallies) return false;
    this.tallies.set(id, { apiKeyId, endpoint, method, status, ip, firstAt: at, count: 1, totalMs: ms });
    return true;
  }

  get size(): number {
    return this.tallies.size;
  }

  /** Every tally as a row, and starts counting afresh. */
  drain(): KeyUsageRow[] {
    const rows: KeyUsageRow[] = [];
    for (const t of this.tallies.values()) {
      rows.push({
        api_key_id: t.apiKeyId,
        endpoint: t.endpoint,
        method: t.method,
        status_code: t.status,
        response_time_ms: Math.round(t.totalMs / t.count),
        request_ip: t.ip,
        created_at: t.firstAt,
        request_count: t.count,
      });
    }
    this.tallies = new Map();
    return rows;
  }
}
