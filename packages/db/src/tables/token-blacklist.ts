import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Revoked JWTs by their `jti`, until they expire anyway. */
export interface TokenBlacklistTable {
  id: Generated<number>;
  /** Unique. */
  token_jti: string;
  /** NULL once the user is deleted; the revocation stays. */
  user_id: number | null;
  blacklisted_at: Generated<Timestamp>;
  expires_at: Timestamp;
}

export type BlacklistedToken = Selectable<TokenBlacklistTable>;
export type NewBlacklistedToken = Insertable<TokenBlacklistTable>;
export type BlacklistedTokenUpdate = Updateable<TokenBlacklistTable>;
