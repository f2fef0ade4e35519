import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Dashboard administrators. `username` is unique, also case-insensitively. */
export interface AdminUsersTable {
  id: Generated<number>;
  /** varchar(50). */
  username: string;
  password_hash: string;
  email: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
  last_login: Timestamp | null;
  /** Failed attempts since the last successful login. */
  login_attempts: Generated<number>;
  locked_until: Timestamp | null;
  is_active: Generated<boolean>;
  /** admin | operator | viewer (migration 030); new accounts default to viewer. */
  role: Generated<'admin' | 'operator' | 'viewer'>;
}

export type AdminUser = Selectable<AdminUsersTable>;
export type NewAdminUser = Insertable<AdminUsersTable>;
export type AdminUserUpdate = Updateable<AdminUsersTable>;
