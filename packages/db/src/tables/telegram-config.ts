import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DateOnly, Generated, Int8, Json, TimeOfDay, Timestamp } from '../column-types';

/** The documented shape of telegram_config.alert_thresholds (values in percent, temperatures in °C). */
export interface TelegramAlertThresholds {
  cpu_warning: number;
  cpu_critical: number;
  ram_warning: number;
  ram_critical: number;
  disk_warning: number;
  disk_critical: number;
  gpu_warning: number;
  gpu_critical: number;
  temperature_warning: number;
  temperature_critical: number;
  notify_on_warning: boolean;
  notify_on_critical: boolean;
  notify_on_service_down: boolean;
  notify_on_self_healing: boolean;
  /** Minimum minutes between repeats of the same alert. */
  cooldown_minutes: number;
}

/** The documented shape of telegram_config.notification_preferences; quiet hours are 'HH:MM'. */
export interface TelegramNotificationPreferences {
  system_alerts: boolean;
  self_healing_events: boolean;
  service_status_changes: boolean;
  login_alerts: boolean;
  daily_summary: boolean;
  quiet_hours_enabled: boolean;
  quiet_hours_start: string;
  quiet_hours_end: string;
}

/** The Telegram bot configuration: a singleton row, `id` is always 1 (CHECK). Upsert it with ON CONFLICT (id). */
export interface TelegramConfigTable {
  /** Always 1. */
  id: Generated<1>;
  /** AES-256-GCM ciphertext; set together with iv and tag (CHECK). */
  bot_token_encrypted: string | null;
  bot_token_iv: string | null;
  bot_token_tag: string | null;
  /** Default chat for broadcasts. */
  chat_id: string | null;
  /** Master switch; default false. */
  enabled: Generated<boolean>;
  alert_thresholds: Generated<Json<TelegramAlertThresholds>>;
  created_at: Generated<Timestamp>;
  /** Set by `trigger_telegram_config_updated_at`. */
  updated_at: Generated<Timestamp>;
  /** Added by 022. */
  notification_preferences: Generated<Json<TelegramNotificationPreferences>>;
  test_message_sent_at: Timestamp | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
  connection_verified: Generated<boolean>;
  connection_verified_at: Timestamp | null;
  /** From getMe. */
  bot_username: string | null;
  /** Added by 041: the next getUpdates offset. */
  polling_offset: Generated<Int8>;
  daily_summary_time: TimeOfDay | null;
  /** Added by 046: the local day (notification time zone) the daily summary was last sent for. */
  daily_summary_last_sent_on: DateOnly | null;
}

export type TelegramConfig = Selectable<TelegramConfigTable>;
export type NewTelegramConfig = Insertable<TelegramConfigTable>;
export type TelegramConfigUpdate = Updateable<TelegramConfigTable>;
