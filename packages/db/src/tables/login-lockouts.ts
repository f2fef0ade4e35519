import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/**
 * Login locks imposed by the auth service (migration 030). `username` is lower-cased and need not exist:
 * unknown usernames lock exactly like real ones. A lock also marks where failure counting restarts.
 */
export interface LoginLockoutsTable {
  id: Generated<number>;
  /** varchar(50), lower-cased. */
  username: string;
  /** inet; set for the `ip` tier, NULL for the `account` tier. */
  ip_address: string | null;
  tier: 'ip' | 'account';
  /** Failures counted when the lock was imposed. */
  failed_attempts: number;
  locked_at: Generated<Timestamp>;
  locked_until: Timestamp;
  /** Set when an administrator unlocked the account early. */
  released_at: Timestamp | null;
  released_by: number | null;
}

export type LoginLockout = Selectable<LoginLockoutsTable>;
export type NewLoginLockout = Insertable<LoginLockoutsTable>;
export type LoginLockoutUpdate = Updateable<LoginLockoutsTable>;
