import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Every login attempt, including unknown usernames (brute-force detection). */
export interface LoginAttemptsTable {
  id: Generated<number>;
  username: string;
  /** inet. */
  ip_address: string | null;
  success: Generated<boolean>;
  attempted_at: Generated<Timestamp>;
  user_agent: string | null;
  /** Why the attempt ended as it did (migration 030); NULL on older rows. */
  outcome: 'success' | 'invalid_credentials' | 'inactive' | 'ip_locked' | 'account_locked' | null;
}

export type LoginAttempt = Selectable<LoginAttemptsTable>;
export type NewLoginAttempt = Insertable<LoginAttemptsTable>;
export type LoginAttemptUpdate = Updateable<LoginAttemptsTable>;
