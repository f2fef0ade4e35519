import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Previous password hashes, so a password cannot be reused. */
export interface PasswordHistoryTable {
  id: Generated<number>;
  user_id: number;
  password_hash: string;
  changed_at: Generated<Timestamp>;
  /** Username of whoever changed it. */
  changed_by: string | null;
  /** inet. */
  ip_address: string | null;
}

export type PasswordHistoryEntry = Selectable<PasswordHistoryTable>;
export type NewPasswordHistoryEntry = Insertable<PasswordHistoryTable>;
export type PasswordHistoryEntryUpdate = Updateable<PasswordHistoryTable>;
