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
}

export type NotificationEvent = Selectable<NotificationEventsTable>;
export type NewNotificationEvent = Insertable<NotificationEventsTable>;
export type NotificationEventUpdate = Updateable<NotificationEventsTable>;
