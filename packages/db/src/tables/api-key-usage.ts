import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/**
 * Requests made with an API key, kept 90 days (`cleanup_old_api_key_usage`); deleted with the key. One row
 * stands for `request_count` requests with the same endpoint, method, status and client address within one
 * gateway flush (about a second; `created_at` is the first of them, `response_time_ms` their mean).
 */
export interface ApiKeyUsageTable {
  id: Generated<number>;
  api_key_id: number;
  endpoint: string;
  method: string;
  status_code: number;
  response_time_ms: number | null;
  request_count: Generated<number>;
  request_ip: string | null;
  created_at: Generated<Timestamp>;
}

export type ApiKeyUsageEntry = Selectable<ApiKeyUsageTable>;
export type NewApiKeyUsageEntry = Insertable<ApiKeyUsageTable>;
export type ApiKeyUsageEntryUpdate = Updateable<ApiKeyUsageTable>;
