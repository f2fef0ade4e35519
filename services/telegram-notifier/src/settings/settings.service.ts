import type { Kysely, Transaction } from 'kysely';
import {
  type NotificationSettings,
  type NotificationSeverityLevel,
  type QuietHours,
  type UpdateNotificationSettings,
  WEEKDAYS,
  quietHours as quietHoursSchema,
} from '@arasul/contracts/http/notifications';
import type { Database, QuietHoursByWeekday } from '@arasul/db';
import {
  findDailySummaryTime,
  findSystemSettings,
  setDailySummaryTime,
  upsertSystemSettings,
} from './settings.repository';

type Db = Kysely<Database> | Transaction<Database>;

export const EMPTY_QUIET_HOURS: QuietHours = Object.fromEntries(WEEKDAYS.map((d) => [d, null])) as QuietHours;

/** The routing view of the settings (what the router reads per event). */
export interface RoutingSettings {
  enabled: boolean;
  minSeverity: NotificationSeverityLevel;
  timeZone: string;
  quietHours: QuietHours;
  groupingWindowSeconds: number;
  cooldownSeconds: number;
}

export const DEFAULT_SETTINGS: RoutingSettings = {
  enabled: true,
  minSeverity: 'warning',
  timeZone: 'Europe/Berlin',
  quietHours: EMPTY_QUIET_HOURS,
  groupingWindowSeconds: 30,
  cooldownSeconds: 900,
};

export async function loadRoutingSettings(db: Db): Promise<RoutingSettings> {
  const row = await findSystemSettings(db);
  if (!row) return DEFAULT_SETTINGS;
  const parsed = quietHoursSchema.partial().safeParse(row.quiet_hours ?? {});
  return {
    enabled: row.enabled,
    minSeverity: row.min_severity,
    timeZone: row.time_zone,
    quietHours: { ...EMPTY_QUIET_HOURS, ...(parsed.success ? parsed.data : {}) },
    groupingWindowSeconds: row.grouping_window_seconds,
    cooldownSeconds: row.cooldown_seconds,
  };
}

export class SettingsService {
  constructor(private readonly db: Kysely<Database>) {}

  async get(): Promise<NotificationSettings> {
    const [settings, daily] = await Promise.all([
      loadRoutingSettings(this.db),
      findDailySummaryTime(this.db),
    ]);
    return { ...settings, dailySummaryTime: daily === null ? null : daily.slice(0, 5) };
  }

  async update(change: UpdateNotificationSettings): Promise<NotificationSettings> {
    await this.db.transaction().execute(async (trx) => {
      const current = await loadRoutingSettings(trx);
      const quiet: QuietHoursByWeekday = { ...current.quietHours, ...(change.quietHours ?? {}) };
      await upsertSystemSettings(trx, {
        enabled: change.enabled ?? current.enabled,
        min_severity: change.minSeverity ?? current.minSeverity,
        time_zone: change.timeZone ?? current.timeZone,
        quiet_hours: JSON.stringify(quiet),
        grouping_window_seconds: change.groupingWindowSeconds ?? current.groupingWindowSeconds,
        cooldown_seconds: change.cooldownSeconds ?? current.cooldownSeconds,
      });
      if (change.dailySummaryTime !== undefined) await setDailySummaryTime(trx, change.dailySummaryTime);
    });
    return this.get();
  }
}
