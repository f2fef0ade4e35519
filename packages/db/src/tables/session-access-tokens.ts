import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/**
 * Every access token (by `jti`) issued to a session (migration 030), so revoking the session blacklists
 * each one still valid, not only the newest. Deleted with the session.
 */
export interface SessionAccessTokensTable {
  jti: string;
  session_id: number;
  created_at: Generated<Timestamp>;
  expires_at: Timestamp;
}

export type SessionAccessToken = Selectable<SessionAccessTokensTable>;
export type NewSessionAccessToken = Insertable<SessionAccessTokensTable>;
export type SessionAccessTokenUpdate = Updateable<SessionAccessTokensTable>;
