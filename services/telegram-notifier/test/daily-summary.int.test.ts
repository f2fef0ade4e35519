/**
 * The daily summary: at the configured local time (time zone aware, DST included), once per day — the day
 * is remembered in the database, so a restarted notifier does not send it again — through the outbox to
 * every chat, with alerts, incidents, services and documents of the last 24 hours.
 */
import request from 'supertest';
import { notificationSettingsSchema } from '@arasul/contracts';
import { DailySummary } from '../src/summary/daily-summary';
import { type NotifierTest, asCaller, createNotifierTest, linkOwnerChat, waitFor } from './helpers';

const OWNER = 919191;

describe('daily summary', () => {
  let ctx: NotifierTest;
  const clock = { now: new Date('2026-03-28T06:00:00Z') };
  const summaryOf = () =>
    new DailySummary(
      ctx.db,
      ctx.infra.logger,
      60_000,
      () => {
        ctx.notifier.dispatcher.wake();
      },
      () => clock.now,
    );
  const summaries = () => ctx.fake.sentTo(OWNER).filter((m) => m.text.includes('Daily summary'));

  beforeAll(async () => {
    // The notifier's own summary checks only at start (nothing configured yet) within this test.
    ctx = await createNotifierTest({ NOTIFIER_SUMMARY_CHECK_MS: '600000' });
    await linkOwnerChat(ctx, OWNER);
  });
  afterAll(async () => {
    await ctx.close();
  });

  it('is a setting of the API (time of day, null turns it off; a bad time is a 400)', async () => {
    const put = await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ dailySummaryTime: '07:30', timeZone: 'Europe/Berlin' });
    expect(put.status).toBe(200);
    expect(notificationSettingsSchema.parse(put.body)).toMatchObject({
      dailySummaryTime: '07:30',
      timeZone: 'Europe/Berlin',
    });
    const bad = await request(ctx.notifier.app)
      .put('/api/notifications/settings')
      .set(asCaller(ctx.admin))
      .send({ dailySummaryTime: '25:00' });
    expect(bad.status).toBe(400);
  });

  it('goes out at 07:30 Berlin time with the day’s figures, once, also after a restart', async () => {
    await ctx.db
      .insertInto('alert_history')
      .values({
        metric_type: 'cpu',
        severity: 'warning',
        initial_severity: 'warning',
        value: '91',
        threshold: '80',
        triggered_at: new Date(),
      })
      .execute();
    const summary = summaryOf();
    // 07:00 in Berlin (CET, UTC+1): not yet.
    await summary.kick();
    expect(summaries()).toHaveLength(0);

    clock.now = new Date('2026-03-28T06:31:00Z'); // 07:31 CET
    await summary.kick();
    const sent = await waitFor('the summary', () => summaries()[0]);
    expect(sent.text).toContain('Daily summary 2026-03-28');
    expect(sent.text).toContain('Alerts: 1 in the last 24 h, open: CPU warning');
    expect(sent.text).toContain('Incidents: 0 self-healing actions, 0 escalations');
    expect(sent.text).toContain('Documents: 0 indexed, 0 failed, 0 in all');

    // Later the same day, and a restarted notifier (a new instance on the same database): nothing more.
    clock.now = new Date('2026-03-28T20:00:00Z');
    await summary.kick();
    await summaryOf().kick();
    const row = await ctx.db
      .selectFrom('telegram_config')
      .select('daily_summary_last_sent_on')
      .executeTakeFirstOrThrow();
    expect(row.daily_summary_last_sent_on).toBe('2026-03-28');
    const rows = await ctx.db
      .selectFrom('notification_events')
      .select('id')
      .where('event_type', '=', 'notification.daily_summary')
      .execute();
    expect(rows).toHaveLength(1);
  });

  it('follows the wall clock across the DST change (07:30 CEST is 05:30 UTC the next day)', async () => {
    const summary = summaryOf();
    clock.now = new Date('2026-03-29T05:29:00Z'); // 07:29 CEST
    await summary.kick();
    expect(summaries()).toHaveLength(1);
    clock.now = new Date('2026-03-29T05:30:00Z'); // 07:30 CEST
    await summary.kick();
    const both = await waitFor('the second summary', () =>
      summaries().length === 2 ? summaries() : undefined,
    );
    expect(both[1]?.text).toContain('Daily summary 2026-03-29');
  });
});
