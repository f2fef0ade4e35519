import { randomUUID } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import {
  type OutboxEntry,
  type OutboxPage,
  type outboxQuerySchema,
  notificationSeverity,
} from '@arasul/contracts/http/notifications';
import type { Database, NotificationEvent } from '@arasul/db';
import type { z } from 'zod';
import { telegramDestination, webhookDestination } from '../routing/routing.service';
import { NoDestinationError, OutboxEntryNotFoundError } from '../shared/notifier.errors';
import { ConflictError } from '@arasul/service-kit/errors';

function toDto(row: NotificationEvent): OutboxEntry {
  return {
    id: row.id,
    eventType: row.event_type,
    severity: notificationSeverity.catch('info').parse(row.severity),
    title: row.title,
    message: row.message,
    destination: row.destination,
    status: row.status,
    error: row.notification_error,
    retryCount: row.retry_count,
    nextAttemptAt: row.next_attempt_at.toISOString(),
    sentAt: row.notification_sent_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    groupedInto: row.group_leader_id,
  };
}

export class OutboxService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly wake: () => void,
  ) {}

  async list(query: z.output<typeof outboxQuerySchema>): Promise<OutboxPage> {
    let base = this.db.selectFrom('notification_events');
    if (query.status !== undefined) base = base.where('status', '=', query.status);
    if (query.eventType !== undefined) base = base.where('event_type', '=', query.eventType);
    const [items, total] = await Promise.all([
      base.selectAll().orderBy('id', 'desc').limit(query.limit).offset(query.offset).execute(),
      base.select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirst(),
    ]);
    return { items: items.map(toDto), total: Number(total?.n ?? 0) };
  }

  async counts(): Promise<{ pending: number; failed: number; sentLast24h: number }> {
    const row = await this.db
      .selectFrom('notification_events')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('status', '=', 'pending').as('pending'),
        eb.fn.countAll<string>().filterWhere('status', '=', 'failed').as('failed'),
        eb.fn
          .countAll<string>()
          .filterWhere((w) =>
            w.and([
              w('status', '=', 'sent'),
              w('notification_sent_at', '>', sql<Date>`now() - interval '1 day'`),
            ]),
          )
          .as('sent'),
      ])
      .executeTakeFirst();
    return {
      pending: Number(row?.pending ?? 0),
      failed: Number(row?.failed ?? 0),
      sentLast24h: Number(row?.sent ?? 0),
    };
  }

  /** A failed message goes back to the queue, due now, with a fresh attempt count. */
  async retry(id: number): Promise<OutboxEntry> {
    const row = await this.db
      .updateTable('notification_events')
      .set({ status: 'pending', next_attempt_at: sql<Date>`now()`, retry_count: 0, notification_error: null })
      .where('id', '=', id)
      .where('status', '=', 'failed')
      .returningAll()
      .executeTakeFirst();
    if (!row) {
      const exists = await this.db
        .selectFrom('notification_events')
        .select('status')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!exists) throw new OutboxEntryNotFoundError();
      throw new ConflictError('Only failed notifications can be retried', 'notification_not_failed');
    }
    this.wake();
    return toDto(row);
  }

  /** A test message to every enabled chat and webhook, through the same outbox. */
  async test(severity: string, text: string, username: string): Promise<OutboxEntry[]> {
    const [chats, webhooks] = await Promise.all([
      this.db.selectFrom('telegram_chats').select('chat_id').where('enabled', '=', true).execute(),
      this.db.selectFrom('notification_webhooks').select('id').where('enabled', '=', true).execute(),
    ]);
    const destinations = [
      ...chats.map((c) => telegramDestination(c.chat_id)),
      ...webhooks.map((w) => webhookDestination(w.id)),
    ];
    if (destinations.length === 0) throw new NoDestinationError();
    const envelopeId = randomUUID();
    const rows = await this.db
      .insertInto('notification_events')
      .values(
        destinations.map((destination) => ({
          envelope_id: envelopeId,
          destination,
          event_type: 'notification.test',
          event_category: 'test',
          source_service: 'telegram-notifier',
          severity: notificationSeverity.parse(severity),
          title: 'Test notification',
          message: `${text} (sent by ${username})`,
          subject: 'test',
        })),
      )
      .returningAll()
      .execute();
    this.wake();
    return rows.map(toDto);
  }
}
