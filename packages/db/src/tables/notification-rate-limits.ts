import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp } from '../column-types';

/** Notification counts per window; (user_id, channel, event_type, window_start) is unique, NULL user included. */
export interface NotificationRateLimitsTable {
  id: Generated<number>;
  user_id: number | null;
  channel: string;
  event_type: string;
  window_start: Timestamp;
  count: Generated<number>;
}

export type NotificationRateLimit = Selectable<NotificationRateLimitsTable>;
export type NewNotificationRateLimit = Insertable<NotificationRateLimitsTable>;
export type NotificationRateLimitUpdate = Updateable<NotificationRateLimitsTable>;
