import { type Kysely, type Transaction, sql } from 'kysely';
import type { AlertSeverity, AlertThresholdUpdate, Database, JsonObject } from '@arasul/db';
import type { MetricName } from '../sampling/sample';

type Db = Kysely<Database> | Transaction<Database>;

export type AlertEventType = 'metrics.alert.fired' | 'metrics.alert.resolved';

export interface HistoryQuery {
  from?: Date | undefined;
  to?: Date | undefined;
  metric?: MetricName | undefined;
  severity?: AlertSeverity | undefined;
  limit: number;
  offset: number;
}

const alertColumns = [
  'h.id',
  'h.metric_type',
  'h.severity',
  'h.initial_severity',
  'h.value',
  'h.threshold',
  'h.peak_value',
  'h.resolved_value',
  'h.triggered_at',
  'h.severity_changed_at',
  'h.resolved_at',
  'h.notification_sent',
  'h.acknowledged_at',
  'h.acknowledged_by',
  'u.username as acknowledged_by_username',
] as const;

function alertsWithAcknowledger(db: Db) {
  return db.selectFrom('alert_history as h').leftJoin('admin_users as u', 'u.id', 'h.acknowledged_by');
}

/** SQL of alert_thresholds, alert_history and the alert event outbox. */
export const alertsRepository = {
  thresholds(db: Db) {
    return db.selectFrom('alert_thresholds').selectAll().orderBy('id').execute();
  },

  /** Locks the row: call inside the transaction that updates it. */
  thresholdForUpdate(db: Db, metric: MetricName) {
    return db
      .selectFrom('alert_thresholds')
      .selectAll()
      .where('metric_type', '=', metric)
      .forUpdate()
      .executeTakeFirst();
  },

  updateThreshold(db: Db, metric: MetricName, patch: AlertThresholdUpdate) {
    return db
      .updateTable('alert_thresholds')
      .set({ ...patch, updated_at: sql<Date>`now()` })
      .where('metric_type', '=', metric)
      .returningAll()
      .executeTakeFirst();
  },

  openAlerts(db: Db) {
    return alertsWithAcknowledger(db)
      .select(alertColumns)
      .where('h.resolved_at', 'is', null)
      .orderBy('h.triggered_at', 'desc')
      .execute();
  },

  /** When each metric's last alert fired or resolved: the cooldown when Redis does not know it. */
  async lastActivity(db: Db): Promise<{ metric: MetricName; at: Date }[]> {
    const rows = await db
      .selectFrom('alert_history')
      .select((eb) => [
        'metric_type',
        eb.fn.max(sql<Date>`greatest(triggered_at, coalesce(resolved_at, triggered_at))`).as('at'),
      ])
      .groupBy('metric_type')
      .execute();
    return rows.map((r) => ({ metric: r.metric_type, at: r.at }));
  },

  /** Opens an alert unless one is open for the metric already (unique partial index); null then. */
  async openAlert(
    db: Db,
    row: { metric: MetricName; severity: AlertSeverity; value: number; threshold: number; at: Date },
  ): Promise<{ id: number } | null> {
    const inserted = await db
      .insertInto('alert_history')
      .values({
        metric_type: row.metric,
        severity: row.severity,
        initial_severity: row.severity,
        value: row.value,
        threshold: row.threshold,
        peak_value: row.value,
        triggered_at: row.at,
      })
      .onConflict((oc) => oc.column('metric_type').where('resolved_at', 'is', null).doNothing())
      .returning('id')
      .executeTakeFirst();
    return inserted ?? null;
  },

  async changeSeverity(
    db: Db,
    id: number,
    change: { severity: AlertSeverity; threshold: number; at: Date; peak: number },
  ): Promise<boolean> {
    const result = await db
      .updateTable('alert_history')
      .set({
        severity: change.severity,
        threshold: change.threshold,
        severity_changed_at: change.at,
        peak_value: sql`greatest(peak_value, ${change.peak})`,
      })
      .where('id', '=', id)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  },

  async resolveAlert(
    db: Db,
    id: number,
    resolution: { at: Date; value: number; peak: number },
  ): Promise<boolean> {
    const result = await db
      .updateTable('alert_history')
      .set({
        resolved_at: resolution.at,
        resolved_value: resolution.value,
        peak_value: sql`greatest(peak_value, ${resolution.peak})`,
      })
      .where('id', '=', id)
      .where('resolved_at', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  },

  async recordPeak(db: Db, id: number, peak: number): Promise<void> {
    await db
      .updateTable('alert_history')
      .set({ peak_value: sql`greatest(peak_value, ${peak})` })
      .where('id', '=', id)
      .execute();
  },

  async insertEvent(db: Db, alertId: number, type: AlertEventType, payload: JsonObject): Promise<void> {
    await db
      .insertInto('metrics_alert_events')
      .values({ alert_id: alertId, event_type: type, payload: JSON.stringify(payload) })
      .execute();
  },

  pendingEvents(db: Db, limit: number) {
    return db
      .selectFrom('metrics_alert_events')
      .select(['id', 'alert_id', 'event_type', 'payload', 'attempts'])
      .where('published_at', 'is', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
  },

  /** Marks an event published; a fired event also marks its alert as handed to the notification path. */
  async markPublished(db: Kysely<Database>, event: { id: string; alertId: number; type: string }) {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('metrics_alert_events')
        .set({ published_at: sql<Date>`now()`, attempts: sql<number>`attempts + 1`, last_error: null })
        .where('id', '=', event.id)
        .execute();
      if (event.type === 'metrics.alert.fired') {
        await trx
          .updateTable('alert_history')
          .set({ notification_sent: true })
          .where('id', '=', event.alertId)
          .execute();
      }
    });
  },

  async markFailed(db: Db, id: string, error: string): Promise<void> {
    await db
      .updateTable('metrics_alert_events')
      .set({ attempts: sql<number>`attempts + 1`, last_error: error.slice(0, 1000) })
      .where('id', '=', id)
      .execute();
  },

  async deletePublishedEventsBatch(db: Db, cutoff: Date, batch: number): Promise<number> {
    const result = await sql`
      DELETE FROM metrics_alert_events
       WHERE id IN (SELECT id FROM metrics_alert_events
                     WHERE published_at < ${cutoff} ORDER BY published_at LIMIT ${batch})`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  },

  async historyPage(db: Db, query: HistoryQuery) {
    let base = alertsWithAcknowledger(db);
    if (query.from !== undefined) base = base.where('h.triggered_at', '>=', query.from);
    if (query.to !== undefined) base = base.where('h.triggered_at', '<', query.to);
    if (query.metric !== undefined) base = base.where('h.metric_type', '=', query.metric);
    if (query.severity !== undefined) base = base.where('h.severity', '=', query.severity);
    const [rows, count] = await Promise.all([
      base
        .select(alertColumns)
        .orderBy('h.triggered_at', 'desc')
        .orderBy('h.id', 'desc')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.total) };
  },

  findAlert(db: Db, id: number) {
    return alertsWithAcknowledger(db).select(alertColumns).where('h.id', '=', id).executeTakeFirst();
  },

  /** The first acknowledgement wins; acknowledging again changes nothing. */
  async acknowledge(db: Db, id: number, userId: number): Promise<void> {
    await db
      .updateTable('alert_history')
      .set({ acknowledged_at: sql<Date>`now()`, acknowledged_by: userId })
      .where('id', '=', id)
      .where('acknowledged_at', 'is', null)
      .execute();
  },
};

export type AlertRow = NonNullable<Awaited<ReturnType<typeof alertsRepository.findAlert>>>;
export type ThresholdRow = Awaited<ReturnType<typeof alertsRepository.thresholds>>[number];
