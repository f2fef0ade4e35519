import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Every refresh token a session was given (migration 030); only a hash is stored. Deleted with the session. */
export interface RefreshTokensTable {
  id: Generated<number>;
  session_id: number;
  /** Hex SHA-256 of the token; unique. */
  token_hash: string;
  created_at: Generated<Timestamp>;
  /** Set when the token was exchanged; presenting it again revokes the session (token theft). */
  rotated_at: Timestamp | null;
}

export type RefreshToken = Selectable<RefreshTokensTable>;
export type NewRefreshToken = Insertable<RefreshTokensTable>;
export type RefreshTokenUpdate = Updateable<RefreshTokensTable>;
