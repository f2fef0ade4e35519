import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

/** Administrative actions. Entries outlive their user (`user_id` becomes NULL). */
export interface AuditLogsTable {
  id: Generated<number>;
  user_id: number | null;
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  details: Json | null;
  /** varchar(45), IPv4 or IPv6. */
  ip_address: string | null;
  created_at: Generated<Timestamp>;
}

export type AuditLog = Selectable<AuditLogsTable>;
export type NewAuditLog = Insertable<AuditLogsTable>;
export type AuditLogUpdate = Updateable<AuditLogsTable>;
