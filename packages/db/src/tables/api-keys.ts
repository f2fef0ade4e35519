import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** API keys for external clients; only a hash of the key is stored. */
export interface ApiKeysTable {
  id: Generated<number>;
  key_hash: string;
  /** First 8 characters, to find and show the key. */
  key_prefix: string;
  name: string;
  description: string | null;
  created_by: number | null;
  created_at: Generated<Timestamp>;
  last_used_at: Timestamp | null;
  expires_at: Timestamp | null;
  is_active: Generated<boolean>;
  /** Default 60. */
  rate_limit_per_minute: Generated<number>;
  /** Endpoint patterns; NULL means every endpoint. */
  allowed_endpoints: string[] | null;
  /** Scopes from service-kit API_SCOPES (migration 030). */
  scopes: Generated<string[]>;
  revoked_at: Timestamp | null;
  revoked_by: number | null;
  /** The key this one replaced by rotation. */
  rotated_from_id: number | null;
  /** Set on a key that was rotated: it keeps working until then. */
  grace_expires_at: Timestamp | null;
}

export type ApiKey = Selectable<ApiKeysTable>;
export type NewApiKey = Insertable<ApiKeysTable>;
export type ApiKeyUpdate = Updateable<ApiKeysTable>;
