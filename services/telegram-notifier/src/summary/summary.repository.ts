import { type Kysely, type Transaction, sql } from 'kysely';
import type { Database } from '@arasul/db';

type Db = Kysely<Database> | Transaction<Database>;

/** The summary's schedule: its time, the notification time zone, the local day it was last sent for. */
export async function findSummarySchedule(
  db: Db,
): Promise<{ time: string | null; lastSentOn: string | null; timeZone: string }> {
  const [config, settings] = await Promise.all([
    db
      .selectFrom('telegram_config')
      .select(['daily_summary_time', 'daily_summary_last_sent_on'])
      .where('id', '=', 1)
      .executeTakeFirst(),
    db
      .selectFrom('notification_settings')
      .select('time_zone')
      .where('user_id', 'is', null)
      .where('channel', '=', 'telegram')
      .executeTakeFirst(),
  ]);
  return {
    time: config?.daily_summary_time ?? null,
    lastSentOn: config?.daily_summary_last_sent_on ?? null,
    timeZone: settings?.time_zone ?? 'Europe/Berlin',
  };
}

/** Claims the summary of `day` (YYYY-MM-DD); false when it was already sent (by us before a restart, say). */
export async function claimSummaryDay(trx: Transaction<Database>, day: string): Promise<boolean> {
  const claimed = await trx
    .updateTable('telegram_config')
    .set({ daily_summary_last_sent_on: day })
    .where('id', '=', 1)
    .where((eb) =>
      eb.or([eb('daily_summary_last_sent_on', 'is', null), eb('daily_summary_last_sent_on', '<', day)]),
    )
    .returning('id')
    .executeTakeFirst();
  return claimed !== undefined;
}

export interface DayFigures {
  alertsFired: number;
  openAlerts: { metric: string; severity: string }[];
  healingActions: number;
  escalations: number;
  servicesDown: string[];
  documentsIndexed: number;
  documentsFailed: number;
  documentsTotal: number;
}

const n = (v: string | number | bigint | null | undefined): number => Number(v ?? 0);

/**
 * The last 24 hours, read from the shared database (read only): alert_history (metrics-collector),
 * self_healing_events (self-healing agent), documents (document-indexer). A report, not a second owner.
 */
export async function dayFigures(db: Db): Promise<DayFigures> {
  const since = sql<Date>`now() - interval '1 day'`;
  const [alerts, open, healing, down, documents] = await Promise.all([
    db
      .selectFrom('alert_history')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('triggered_at', '>', since)
      .executeTakeFirst(),
    db
      .selectFrom('alert_history')
      .select(['metric_type', 'severity'])
      .where('resolved_at', 'is', null)
      .orderBy('triggered_at')
      .limit(10)
      .execute(),
    db
      .selectFrom('self_healing_events')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('action_taken', 'is not', null).as('actions'),
        eb.fn.countAll<string>().filterWhere('event_type', '=', 'escalated').as('escalations'),
      ])
      .where('timestamp', '>', since)
      .executeTakeFirst(),
    // A service whose last detection in the day has no recovery after it.
    db
      .selectFrom('self_healing_events as d')
      .select('d.service_name')
      .distinct()
      .where('d.event_type', '=', 'detected')
      .where('d.timestamp', '>', since)
      .where('d.service_name', 'is not', null)
      .where((eb) =>
        eb.not(
          eb.exists(
            eb
              .selectFrom('self_healing_events as r')
              .select('r.id')
              .where('r.event_type', '=', 'recovered')
              .whereRef('r.service_name', '=', 'd.service_name')
              .whereRef('r.timestamp', '>', 'd.timestamp'),
          ),
        ),
      )
      .limit(20)
      .execute(),
    db
      .selectFrom('documents')
      .select((eb) => [
        eb.fn.countAll<string>().filterWhere('indexed_at', '>', since).as('indexed'),
        eb.fn
          .countAll<string>()
          .filterWhere((f) => f.and([f('status', '=', 'failed'), f('updated_at', '>', since)]))
          .as('failed'),
        eb.fn.countAll<string>().as('total'),
      ])
      .where('deleted_at', 'is', null)
      .executeTakeFirst(),
  ]);
  return {
    alertsFired: n(alerts?.n),
    openAlerts: open.map((a) => ({ metric: a.metric_type, severity: a.severity })),
    healingActions: n(healing?.actions),
    escalations: n(healing?.escalations),
    servicesDown: down.flatMap((d) => (d.service_name === null ? [] : [d.service_name])),
    documentsIndexed: n(documents?.indexed),
    documentsFailed: n(documents?.failed),
    documentsTotal: n(documents?.total),
  };
}
