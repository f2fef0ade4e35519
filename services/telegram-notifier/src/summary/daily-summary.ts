import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { HealthCheck } from '@arasul/service-kit/health';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import { zonedClock } from '../routing/quiet-hours';
import { telegramDestination, webhookDestination } from '../routing/routing.service';
import { type DayFigures, claimSummaryDay, dayFigures, findSummarySchedule } from './summary.repository';

/** The local day (YYYY-MM-DD) and minute of the day at `at` in `timeZone`. */
export function localDay(at: Date, timeZone: string): { day: string; minute: number } {
  const { date, minute } = zonedClock(at, timeZone);
  return { day: date, minute };
}

/** Is the summary of today due at `at`: the configured time has passed today and today's was not sent? */
export function summaryDue(
  at: Date,
  schedule: { time: string | null; lastSentOn: string | null; timeZone: string },
): string | null {
  if (schedule.time === null) return null;
  const { day, minute } = localDay(at, schedule.timeZone);
  const [h = '0', m = '0'] = schedule.time.split(':');
  if (minute < Number(h) * 60 + Number(m)) return null;
  if (schedule.lastSentOn !== null && schedule.lastSentOn >= day) return null;
  return day;
}

export function formatSummary(f: DayFigures): string {
  const open =
    f.openAlerts.length === 0
      ? 'none open'
      : `open: ${f.openAlerts.map((a) => `${a.metric.toUpperCase()} ${a.severity}`).join(', ')}`;
  return [
    `Alerts: ${String(f.alertsFired)} in the last 24 h, ${open}`,
    `Incidents: ${String(f.healingActions)} self-healing actions, ${String(f.escalations)} escalations`,
    `Services: ${f.servicesDown.length === 0 ? 'all recovered' : `not recovered: ${f.servicesDown.join(', ')}`}`,
    `Documents: ${String(f.documentsIndexed)} indexed, ${String(f.documentsFailed)} failed, ${String(f.documentsTotal)} in all`,
  ].join('\n');
}

/**
 * The daily summary at the configured time (in the notification time zone). The local day it was sent
 * for is claimed in telegram_config in the same transaction that writes its outbox rows, so it goes out
 * once per day — across restarts and several notifiers — and, once written, is never lost (the outbox).
 * A box that was off at the time sends it when it comes back the same day.
 */
export class DailySummary {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastError: string | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly logger: Logger,
    private readonly intervalMs: number,
    private readonly onWritten: () => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      void this.kick();
    }, this.intervalMs);
    this.timer.unref();
    void this.kick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  healthCheck(): HealthCheck {
    return {
      name: 'daily-summary',
      critical: false,
      check: () => Promise.resolve({ ok: this.lastError === null, lastError: this.lastError }),
    };
  }

  /** Checks now (and tests wait for it). */
  kick(): Promise<void> {
    this.running ??= this.runOnce()
      .catch((error: unknown) => {
        this.lastError = error instanceof Error ? error.message : 'failed';
        this.logger.warn('daily summary failed', errorMeta(error));
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async runOnce(): Promise<void> {
    const day = summaryDue(this.now(), await findSummarySchedule(this.db));
    if (day === null) return;
    const written = await this.db.transaction().execute(async (trx) => {
      if (!(await claimSummaryDay(trx, day))) return 0;
      const [chats, webhooks] = await Promise.all([
        trx.selectFrom('telegram_chats').select('chat_id').where('enabled', '=', true).execute(),
        trx.selectFrom('notification_webhooks').select('id').where('enabled', '=', true).execute(),
      ]);
      const destinations = [
        ...chats.map((c) => telegramDestination(c.chat_id)),
        ...webhooks.map((w) => webhookDestination(w.id)),
      ];
      if (destinations.length === 0) return 0;
      const text = formatSummary(await dayFigures(trx));
      const envelopeId = randomUUID();
      await trx
        .insertInto('notification_events')
        .values(
          destinations.map((destination) => ({
            envelope_id: envelopeId,
            destination,
            event_type: 'notification.daily_summary',
            event_category: 'daily_summary',
            source_service: 'telegram-notifier',
            severity: 'info' as const,
            title: `Daily summary ${day}`,
            message: text,
            subject: day,
          })),
        )
        .execute();
      return destinations.length;
    });
    this.lastError = null;
    if (written > 0) {
      this.logger.info('daily summary written', { day, destinations: written });
      this.onWritten();
    }
  }
}
