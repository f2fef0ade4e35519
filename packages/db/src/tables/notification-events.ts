import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Generated, Timestamp, Json } from '../column-types';

export type NotificationSeverity = 'info' | 'warning' | 'error' | 'critical';

/** Platform events that may become notifications, with their delivery state. */
export interface NotificationEventsTable {
  id: Generated<number>;
  /** service_status, workflow_event, … */
  event_type: string;
  /** status_change, completion, failure, … */
  event_category: string;
  source_service: string | null;
  severity: Generated<NotificationSeverity>;
  title: string;
  message: string | null;
  metadata: Json | null;
  notification_sent: Generated<boolean>;
  notification_sent_at: Timestamp | null;
  notification_error: string | null;
  retry_count: Generated<number>;
  created_at: Generated<Timestamp>;
  /** Added by 041 (the notifier's outbox): the bus envelope this message came from. */
  envelope_id: string | null;
  /** `telegram:<chat id>` or `webhook:<id>`; unique with envelope_id. */
  destination: string | null;
  status: Generated<NotificationOutboxStatus>;
  /** What the event is about (a service, a metric, a user), for cooldowns and grouping. */
  subject: string | null;
  group_key: string | null;
  /** Set on a follower collected into the group's follow-up message. */
  group_leader_id: number | null;
  /** A resolved alert answers the message of its fired alert. */
  reply_to_event_id: number | null;
  next_attempt_at: Generated<Timestamp>;
  telegram_message_id: number | null;
  last_attempt_at: Timestamp | null;
}

export type NotificationOutboxStatus = 'pending' | 'sent' | 'failed' | 'suppressed';

export type NotificationEvent = Selectable<NotificationEventsTable>;
export type NewNotificationEvent = Insertable<NotificationEventsTable>;
export type NotificationEventUpdate = Updateable<NotificationEventsTable>;
