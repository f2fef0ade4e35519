import type { Kysely } from 'kysely';
import {
  type NotificationRule,
  type UpdateNotificationRule,
  type createNotificationRuleSchema,
  notificationSeverity,
} from '@arasul/contracts/http/notifications';
import type { Database, TelegramNotificationRule } from '@arasul/db';
import type { z } from 'zod';
import { eventSourceOf } from '../routing/event-catalog';
import { RuleNotFoundError } from '../shared/notifier.errors';

function toDto(row: TelegramNotificationRule): NotificationRule {
  return {
    id: row.id,
    name: row.name,
    eventType: row.event_type ?? '*',
    minSeverity: notificationSeverity.catch('warning').parse(row.min_severity),
    chatIds: row.chat_ids,
    sendToWebhooks: row.send_to_webhooks,
    enabled: row.enabled,
    createdAt: row.created_at.toISOString(),
  };
}

export class RulesService {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<NotificationRule[]> {
    const rows = await this.db.selectFrom('telegram_notification_rules').selectAll().orderBy('id').execute();
    return rows.map(toDto);
  }

  async create(input: z.output<typeof createNotificationRuleSchema>): Promise<NotificationRule> {
    const row = await this.db
      .insertInto('telegram_notification_rules')
      .values({
        name: input.name,
        event_source: eventSourceOf(input.eventType),
        event_type: input.eventType === '*' ? null : input.eventType,
        min_severity: input.minSeverity,
        chat_ids: input.chatIds,
        send_to_webhooks: input.sendToWebhooks,
        enabled: input.enabled,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toDto(row);
  }

  async update(id: number, change: UpdateNotificationRule): Promise<NotificationRule> {
    const row = await this.db
      .updateTable('telegram_notification_rules')
      .set({
        ...(change.name === undefined ? {} : { name: change.name }),
        ...(change.eventType === undefined
          ? {}
          : {
              event_type: change.eventType === '*' ? null : change.eventType,
              event_source: eventSourceOf(change.eventType),
            }),
        ...(change.minSeverity === undefined ? {} : { min_severity: change.minSeverity }),
        ...(change.chatIds === undefined ? {} : { chat_ids: change.chatIds }),
        ...(change.sendToWebhooks === undefined ? {} : { send_to_webhooks: change.sendToWebhooks }),
        ...(change.enabled === undefined ? {} : { enabled: change.enabled }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .returningAll()
      .executeTakeFirst();
    if (!row) throw new RuleNotFoundError();
    return toDto(row);
  }

  async remove(id: number): Promise<void> {
    const result = await this.db
      .deleteFrom('telegram_notification_rules')
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new RuleNotFoundError();
  }
}
