import type { Redis } from 'ioredis';
import type { Transaction } from 'kysely';
import type { Envelope } from '@arasul/contracts/envelope';
import type { Database, TelegramNotificationRule } from '@arasul/db';
import type { Logger } from '@arasul/service-kit/logger';
import { loadRoutingSettings } from '../settings/settings.service';
import { type DescribedEvent, describeEvent, eventSourceOf, severityRank } from './event-catalog';
import { isQuietTime } from './quiet-hours';
import {
  claimCooldown,
  findAnsweredMessages,
  findOpenGroupLeader,
  insertOutboxRow,
  listEnabledChatIds,
  listEnabledRules,
  listEnabledWebhookIds,
  lockGroup,
} from './routing.repository';

export const telegramDestination = (chatId: string): string => `telegram:${chatId}`;
export const webhookDestination = (id: number): string => `webhook:${String(id)}`;

/** Does a rule's event pattern (`a.b.c`, `a.*`, `*`) cover `type`? */
export function patternMatches(pattern: string, type: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('.*')) return type.startsWith(pattern.slice(0, -1));
  return pattern === type;
}

export interface RoutedEvent {
  described: DescribedEvent | null;
  /** Outbox rows written (0 for duplicates and events nobody wants). */
  rows: number;
}

/**
 * Turns one bus event into outbox rows, inside the consumer's transaction (so the idempotency marker and
 * the rows commit together): rules pick the destinations, quiet hours and cooldowns suppress (recorded,
 * not sent), grouping defers follow-ups to the end of the group's window.
 */
export class RoutingService {
  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async route(envelope: Envelope<unknown>, trx: Transaction<Database>): Promise<RoutedEvent> {
    const described = describeEvent(envelope);
    if (!described) return { described, rows: 0 };
    const settings = await loadRoutingSettings(trx);
    if (!settings.enabled) return { described, rows: 0 };

    const [rules, chats, webhooks] = await Promise.all([
      listEnabledRules(trx),
      listEnabledChatIds(trx),
      listEnabledWebhookIds(trx),
    ]);
    const destinations = this.destinationsOf(described, rules, settings.minSeverity, chats, webhooks);
    const answers = new Map<string, number>();
    if (described.answers !== undefined) {
      for (const row of await findAnsweredMessages(trx, described.answers, described.subject)) {
        if (row.destination !== null) {
          answers.set(row.destination, row.id);
          destinations.add(row.destination);
        }
      }
    }
    const quiet =
      described.severity !== 'critical' && isQuietTime(this.now(), settings.quietHours, settings.timeZone);

    let rows = 0;
    for (const destination of destinations) {
      let status: 'pending' | 'suppressed' = 'pending';
      let reason: string | null = null;
      let groupKey: string | null = null;
      let leader: { id: number; created_at: Date } | undefined;
      if (quiet) {
        status = 'suppressed';
        reason = 'quiet_hours';
      } else if (described.cooldown && settings.cooldownSeconds > 0) {
        const key = `${described.type}|${described.subject}`;
        if (!(await this.claimCooldown(trx, key, destination, settings.cooldownSeconds))) {
          status = 'suppressed';
          reason = 'cooldown';
        }
      }
      if (
        status === 'pending' &&
        described.groupable &&
        destination.startsWith('telegram:') &&
        settings.groupingWindowSeconds > 0
      ) {
        groupKey = `${described.type}|${destination}`;
        await lockGroup(trx, groupKey);
        leader = await findOpenGroupLeader(trx, groupKey, settings.groupingWindowSeconds);
      }
      const id = await insertOutboxRow(trx, {
        envelope_id: envelope.id,
        destination,
        event_type: described.type.slice(0, 50),
        event_category: described.category,
        source_service: envelope.source.slice(0, 100),
        severity: described.severity,
        title: described.title,
        message: described.text,
        subject: described.subject,
        metadata: JSON.stringify({
          occurredAt: envelope.occurredAt,
          requestId: envelope.requestId,
          source: eventSourceOf(described.type),
        }),
        status,
        notification_error: reason,
        group_key: groupKey,
        group_leader_id: leader?.id ?? null,
        reply_to_event_id: answers.get(destination) ?? null,
        next_attempt_at: leader
          ? new Date(leader.created_at.getTime() + settings.groupingWindowSeconds * 1000)
          : undefined,
      });
      if (id !== null) rows += 1;
    }
    if (rows > 0) this.logger.debug('event routed', { type: described.type, eventId: envelope.id, rows });
    return { described, rows };
  }

  private destinationsOf(
    event: DescribedEvent,
    rules: TelegramNotificationRule[],
    defaultMinSeverity: string,
    chats: string[],
    webhooks: number[],
  ): Set<string> {
    const out = new Set<string>();
    const rank = severityRank(event.severity);
    const allChats = chats.map(telegramDestination);
    const allWebhooks = webhooks.map(webhookDestination);
    // Rules take over the event types they name; everything else follows the default route
    // (settings.minSeverity to every chat and webhook).
    const covering = rules.filter((rule) => patternMatches(rule.event_type ?? '*', event.type));
    if (covering.length === 0) {
      if (rank >= severityRank(defaultMinSeverity)) for (const d of [...allChats, ...allWebhooks]) out.add(d);
      return out;
    }
    for (const rule of covering) {
      if (rank < severityRank(rule.min_severity)) continue;
      const ruleChats = rule.chat_ids === null ? chats : rule.chat_ids.filter((c) => chats.includes(c));
      for (const chat of ruleChats) out.add(telegramDestination(chat));
      if (rule.send_to_webhooks) for (const d of allWebhooks) out.add(d);
    }
    return out;
  }

  /**
   * Postgres decides (it survives restarts and is inside the transaction); Redis mirrors an active
   * cooldown so the common repeat is refused without touching the table.
   */
  private async claimCooldown(
    trx: Transaction<Database>,
    key: string,
    destination: string,
    seconds: number,
  ): Promise<boolean> {
    const redisKey = `notifier:cooldown:${destination}:${key}`;
    try {
      if ((await this.redis.exists(redisKey)) === 1) return false;
    } catch {
      // Redis is only a shortcut; the table decides.
    }
    const claim = await claimCooldown(trx, key, destination, seconds);
    // Mirrored only from a committed cooldown (never from this transaction's own claim, which may roll back).
    if (!claim.claimed && claim.remainingSeconds > 0) {
      this.redis.set(redisKey, '1', 'EX', claim.remainingSeconds).catch(() => undefined);
    }
    return claim.claimed;
  }
}
