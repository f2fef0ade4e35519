import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json, JsonObject } from '../column-types';

export type InstalledAppStatus = 'installed' | 'running' | 'stopped';

/** Apps installed from the app store. */
export interface InstalledAppsTable {
  id: string;
  name: string;
  description: string | null;
  version: string;
  category: string | null;
  status: Generated<InstalledAppStatus>;
  config: Generated<Json<JsonObject>>;
  installed_at: Generated<Timestamp>;
}

export type InstalledApp = Selectable<InstalledAppsTable>;
export type NewInstalledApp = Insertable<InstalledAppsTable>;
export type InstalledAppUpdate = Updateable<InstalledAppsTable>;
