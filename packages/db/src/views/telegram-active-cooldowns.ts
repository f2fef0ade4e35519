import type { Selectable } from 'kysely';

/** View: alert cooldowns still running, using the cooldown_minutes configured in telegram_config (default 15). */
export interface TelegramActiveCooldownsView {
  alert_type: string;
  chat_id: string;
  last_alert_at: Date;
  alert_count: number;
  cooldown_until: Date;
}

export type TelegramActiveCooldown = Selectable<TelegramActiveCooldownsView>;
