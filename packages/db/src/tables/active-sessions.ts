import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Logged-in sessions, one per login (migration 030); deleted with their user. */
export interface ActiveSessionsTable {
  id: Generated<number>;
  user_id: number;
  /** Unique; the newest access token of the session. */
  token_jti: string;
  /** inet. */
  ip_address: string | null;
  user_agent: string | null;
  created_at: Generated<Timestamp>;
  /** Idle expiry: last activity + idle timeout, capped by `absolute_expires_at`. */
  expires_at: Timestamp;
  last_activity: Generated<Timestamp>;
  /** The session's absolute end (migration 030); NULL on older rows, which end at `expires_at`. */
  absolute_expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  /** Why it was revoked: logout, logout_all, refresh_reused, password_changed, … */
  revoked_reason: string | null;
}

export type ActiveSession = Selectable<ActiveSessionsTable>;
export type NewActiveSession = Insertable<ActiveSessionsTable>;
export type ActiveSessionUpdate = Updateable<ActiveSessionsTable>;
