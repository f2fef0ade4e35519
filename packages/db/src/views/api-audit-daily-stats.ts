import type { Selectable } from 'kysely';

/** View: API requests per UTC day and action type. */
export interface ApiAuditDailyStatsView {
  /** UTC day, 'YYYY-MM-DD'. */
  day: string;
  action_type: string;
  /** bigint count. */
  total_requests: string;
  successful_requests: string;
  /** Status 400 and above. */
  failed_requests: string;
  unique_users: string;
  /** numeric, 2 decimals. */
  avg_duration_ms: string | null;
  max_duration_ms: number | null;
}

export type ApiAuditDailyStats = Selectable<ApiAuditDailyStatsView>;
