import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

/** One row per API request seen by the gateway, kept 90 days (`cleanup_old_api_audit_logs`). */
export interface ApiAuditLogsTable {
  id: Generated<number>;
  timestamp: Generated<Timestamp>;
  /** NULL for unauthenticated requests or deleted users. */
  user_id: number | null;
  /** As it was at request time. */
  username: string | null;
  action_type: string;
  target_endpoint: string;
  request_method: string;
  /** Sanitised: never passwords or tokens. */
  request_payload: Json | null;
  response_status: number;
  duration_ms: number | null;
  /** varchar(45), IPv4 or IPv6. */
  ip_address: string | null;
  user_agent: string | null;
  error_message: string | null;
}

export type ApiAuditLog = Selectable<ApiAuditLogsTable>;
export type NewApiAuditLog = Insertable<ApiAuditLogsTable>;
export type ApiAuditLogUpdate = Updateable<ApiAuditLogsTable>;
