/**
 * Alerts for every metric, evaluated from injected samples against the real Postgres, Redis and RabbitMQ.
 * Each metric gets its own database and bus namespace; its thresholds are the shipped defaults.
 */
import type { Collector } from '../src/collector';
import type { MetricName } from '../src/sampling/sample';
import { type TestContext, createTestContext, sampleOf, waitFor } from './helpers';

interface Case {
  metric: MetricName;
  warning: number;
  critical: number;
}

const cases: Case[] = [
  { metric: 'cpu', warning: 80, critical: 95 },
  { metric: 'ram', warning: 80, critical: 95 },
  { metric: 'swap', warning: 50, critical: 80 },
  { metric: 'gpu', warning: 85, critical: 95 },
  { metric: 'temperature', warning: 75, critical: 85 },
  { metric: 'disk', warning: 80, critical: 95 },
];
const FOR_SAMPLES = 3;
const CLEAR_DELTA = 5;

describe.each(cases)(
  '$metric alerts (warning $warning, critical $critical)',
  ({ metric, warning, critical }) => {
    let ctx: TestContext;
    let sampleTime = Date.now() - 3_600_000;

    beforeAll(async () => {
      ctx = await createTestContext();
    });
    afterAll(async () => {
      await ctx.close();
    });

    /** Feeds samples where only `metric` varies; one second apart, in order. */
    async function feed(values: number[], collector: Collector = ctx.collector): Promise<void> {
      for (const value of values) {
        sampleTime += 1000;
        await collector.evaluator.evaluate(sampleOf({ [metric]: value }, new Date(sampleTime)));
      }
      await collector.outbox.idle();
    }

    const calm = () => Array.from({ length: FOR_SAMPLES }, () => warning - CLEAR_DELTA - 10);
    const rows = () =>
      ctx.db
        .selectFrom('alert_history')
        .selectAll()
        .where('metric_type', '=', metric)
        .orderBy('id')
        .execute();
    const openRows = async () => (await rows()).filter((r) => r.resolved_at === null);
    const eventsFor = (type: string, alertId: number) =>
      ctx.events.payloads(type).filter((p) => p.alertId === alertId && p.metric === metric);

    /** A fresh start for each test: past any cooldown, counters back to zero. */
    async function settle(): Promise<void> {
      ctx.clock.now += 24 * 3_600_000;
      await feed(calm());
    }

    it('does not fire on noise around the warning threshold', async () => {
      await settle();
      await feed([
        warning + 1,
        warning - 1,
        warning + 2,
        warning - 0.5,
        warning + 1,
        warning + 1,
        warning - 2,
      ]);
      expect(await rows()).toEqual([]);
    });

    it('fires after 3 samples, escalates and de-escalates within one alert, resolves below threshold - delta, honours the cooldown', async () => {
      await settle();
      await feed([warning + 1, warning + 1]);
      expect(await rows()).toHaveLength(0);

      await feed([warning + 1]);
      const [opened] = await openRows();
      expect(opened).toMatchObject({
        severity: 'warning',
        initial_severity: 'warning',
        threshold: `${warning}.00`,
      });
      const id = opened!.id;
      const fired = await waitFor(() => eventsFor('metrics.alert.fired', id)[0], 'the fired event');
      expect(fired).toMatchObject({ metric, severity: 'warning', threshold: warning, value: warning + 1 });

      // Dipping below the threshold, but not clear_delta below it, does not resolve.
      await feed([warning - 1, warning + 0.5, warning - 2, warning - (CLEAR_DELTA - 0.1), warning - 3]);
      expect(await openRows()).toEqual([expect.objectContaining({ id, severity: 'warning' })]);

      // Critical for two samples is not enough; the third escalates the same alert.
      await feed([critical + 1, critical + 2]);
      expect((await openRows())[0]?.severity).toBe('warning');
      await feed([critical + 1]);
      expect(await openRows()).toEqual([
        expect.objectContaining({ id, severity: 'critical', threshold: `${critical}.00` }),
      ]);
      await waitFor(
        () => eventsFor('metrics.alert.fired', id).find((p) => p.severity === 'critical'),
        'the escalation event',
      );

      // Back under critical but within clear_delta of it: stays critical. Clearly under: back to warning.
      await feed([critical - 1, critical - 3, critical - 2]);
      expect((await openRows())[0]?.severity).toBe('critical');
      await feed([critical - CLEAR_DELTA - 1, critical - CLEAR_DELTA - 1, critical - CLEAR_DELTA - 1]);
      expect(await openRows()).toEqual([expect.objectContaining({ id, severity: 'warning' })]);

      await feed([warning - CLEAR_DELTA - 1, warning - CLEAR_DELTA - 1]);
      expect(await openRows()).toHaveLength(1);
      await feed([warning - CLEAR_DELTA - 1]);
      expect(await openRows()).toHaveLength(0);
      const [resolved] = await rows();
      expect(resolved).toMatchObject({
        id,
        severity: 'warning',
        initial_severity: 'warning',
        peak_value: `${critical + 2}.00`,
        resolved_value: `${warning - CLEAR_DELTA - 1}.00`,
        notification_sent: true,
      });
      expect(resolved?.severity_changed_at).not.toBeNull();
      const resolvedEvent = await waitFor(
        () => eventsFor('metrics.alert.resolved', id)[0],
        'the resolved event',
      );
      expect(resolvedEvent).toMatchObject({ metric, severity: 'warning', value: warning - CLEAR_DELTA - 1 });
      expect(eventsFor('metrics.alert.fired', id).map((p) => p.severity)).toEqual([
        'warning',
        'critical',
        'warning',
      ]);

      // The condition comes back at once: the 300 s cooldown holds it back, then it fires (critical).
      await feed([critical + 1, critical + 1, critical + 1, critical + 1]);
      expect(await rows()).toHaveLength(1);
      ctx.clock.now += 301_000;
      await feed([critical + 1]);
      const reopened = await openRows();
      expect(reopened).toEqual([
        expect.objectContaining({ severity: 'critical', initial_severity: 'critical' }),
      ]);
      expect(reopened[0]?.id).not.toBe(id);
      await waitFor(() => eventsFor('metrics.alert.fired', reopened[0]!.id)[0], 'the second alert event');

      await feed(calm());
      expect(await openRows()).toHaveLength(0);
    });

    it('after a restart neither fires the open alert again nor forgets it', async () => {
      await settle();
      await feed([critical + 1, critical + 1, critical + 1]);
      const [open] = await openRows();
      expect(open?.severity).toBe('critical');
      const id = open!.id;
      await waitFor(() => eventsFor('metrics.alert.fired', id)[0], 'the fired event');

      const restarted = await ctx.restartCollector();
      expect(restarted.evaluator.openAlerts().get(metric)?.id).toBe(id);
      await feed([critical + 3, critical + 3, critical + 3, critical + 3], restarted);
      expect(await openRows()).toEqual([expect.objectContaining({ id, severity: 'critical' })]);

      await feed(calm(), restarted);
      expect(await openRows()).toHaveLength(0);
      await waitFor(() => eventsFor('metrics.alert.resolved', id)[0], 'the resolved event after the restart');
      expect(eventsFor('metrics.alert.fired', id)).toHaveLength(1);
      expect((await rows()).find((r) => r.id === id)?.peak_value).toBe(`${critical + 3}.00`);
    });

    it('keeps counting consecutive samples and the cooldown across a restart', async () => {
      await settle();
      let collector = await ctx.restartCollector();
      await feed([warning + 1, warning + 1], collector);
      collector = await ctx.restartCollector();
      await feed([warning + 1], collector);
      const [open] = await openRows();
      expect(open?.severity).toBe('warning');
      await feed(calm(), collector);
      expect(await openRows()).toHaveLength(0);

      // Resolved just now: a restarted collector still knows the cooldown (from Redis).
      collector = await ctx.restartCollector();
      await feed([warning + 1, warning + 1, warning + 1, warning + 1], collector);
      expect(await openRows()).toHaveLength(0);
    });
  },
);
