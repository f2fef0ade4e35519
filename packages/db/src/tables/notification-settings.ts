import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Json, Timestamp, TimeOfDay } from '../column-types';
import type { NotificationSeverity } from './notification-events';

export type NotificationChannel = 'telegram' | 'webhook' | 'email';

/** Per-user (or, with `user_id` NULL, system-wide) settings of one notification channel; (user_id, channel) is unique. */
export interface NotificationSettingsTable {
  id: Generated<number>;
  user_id: number | null;
  channel: NotificationChannel;
  enabled: Generated<boolean>;
  /** text[]; NULL means every event type. */
  event_types: string[] | null;
  /** Default 'warning'. */
  min_severity: Generated<NotificationSeverity>;
  /** Default 10. */
  rate_limit_per_minute: Generated<number>;
  /** Default 100. */
  rate_limit_per_hour: Generated<number>;
  quiet_hours_start: TimeOfDay | null;
  quiet_hours_end: TimeOfDay | null;
  telegram_chat_id: string | null;
  telegram_bot_token_override: string | null;
  webhook_url: string | null;
  webhook_secret: string | null;
  created_at: Generated<Timestamp>;
  /** Set by trigger on every update. */
  updated_at: Generated<Timestamp>;
  /** Added by 041: `{"mon": {"start": "22:00", "end": "07:00"} | null, …}`. */
  quiet_hours: Json<QuietHoursByWeekday> | null;
  /** IANA zone of the quiet hours; default Europe/Berlin. */
  time_zone: Generated<string>;
  /** Default 30. */
  grouping_window_seconds: Generated<number>;
  /** Default 900. */
  cooldown_seconds: Generated<number>;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export type QuietHoursByWeekday = Partial<Record<Weekday, { start: string; end: string } | null>>;

export type NotificationSetting = Selectable<NotificationSettingsTable>;
export type NewNotificationSetting = Insertable<NotificationSettingsTable>;
export type NotificationSettingUpdate = Updateable<NotificationSettingsTable>;
