import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Numeric, Json } from '../column-types';

/** Backups taken before an update, for rollback. */
export interface UpdateBackupsTable {
  id: Generated<number>;
  backup_path: string;
  update_event_id: number | null;
  created_at: Generated<Timestamp>;
  /** decimal(10,2). */
  backup_size_mb: Numeric | null;
  components: Json | null;
  restoration_tested: Generated<boolean>;
  notes: string | null;
}

export type UpdateBackup = Selectable<UpdateBackupsTable>;
export type NewUpdateBackup = Insertable<UpdateBackupsTable>;
export type UpdateBackupUpdate = Updateable<UpdateBackupsTable>;
