import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Last time each alert type was sent to a chat; written by `check_telegram_alert_cooldown`. */
export interface TelegramAlertCooldownsTable {
  id: Generated<number>;
  /** e.g. 'cpu_critical', 'service_down:ollama'. */
  alert_type: string;
  chat_id: string;
  last_alert_at: Generated<Timestamp>;
  /** How many times the alert was sent. */
  alert_count: Generated<number>;
}

export type TelegramAlertCooldown = Selectable<TelegramAlertCooldownsTable>;
export type NewTelegramAlertCooldown = Insertable<TelegramAlertCooldownsTable>;
export type TelegramAlertCooldownUpdate = Updateable<TelegramAlertCooldownsTable>;
