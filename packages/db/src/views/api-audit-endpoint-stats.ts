import type { Selectable } from 'kysely';

/** View: usage and latency per endpoint and method over the retained log. */
export interface ApiAuditEndpointStatsView {
  target_endpoint: string;
  request_method: string;
  /** bigint count. */
  total_requests: string;
  error_count: string;
  /** numeric, 2 decimals. */
  avg_duration_ms: string | null;
  p95_duration_ms: number | null;
  max_duration_ms: number | null;
  last_request_at: Date;
}

export type ApiAuditEndpointStats = Selectable<ApiAuditEndpointStatsView>;
