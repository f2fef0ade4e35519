/** Alert events survive a broker outage: they wait in the outbox and go out in order once it is back. */
import { HealthRegistry } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { type AlertBus, AlertOutbox } from '../src/alerts/alerts.outbox';
import { AlertEvaluator } from '../src/alerts/alerts.evaluator';
import { type TestContext, createTestContext, sampleOf, waitFor } from './helpers';

let ctx: TestContext;

beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(async () => {
  await ctx.close();
});

/** The real bus, behind a switch that makes every publish fail like an unreachable broker. */
class SwitchableBus {
  down = true;
  attempts = 0;
  constructor(private readonly real: AlertBus) {}
  publish: AlertBus['publish'] = ((key: 'metrics.alert.fired', payload: never, options: { id: string }) => {
    this.attempts += 1;
    if (this.down) return Promise.reject(new Error('RabbitMQ is not reachable'));
    return this.real.publish(key, payload, options);
  }) as AlertBus['publish'];
}

it('keeps fired and resolved events while the broker is away and publishes them in order afterwards', async () => {
  const bus = new SwitchableBus(ctx.bus);
  const health = new HealthRegistry('t');
  const outbox = new AlertOutbox(ctx.db, bus, { retryMs: 100 }, health, createSilentLogger());
  const evaluator = new AlertEvaluator(
    ctx.db,
    ctx.redis,
    outbox,
    { intervalMs: 1000 },
    health,
    createSilentLogger(),
  );
  await evaluator.start();
  const t0 = Date.now() - 60_000;
  const cpu = [99, 99, 99, 10, 10, 10];
  for (const [i, value] of cpu.entries())
    await evaluator.evaluate(sampleOf({ cpu: value }, new Date(t0 + i * 1000)));
  await outbox.idle();

  const pending = await ctx.db.selectFrom('metrics_alert_events').selectAll().orderBy('created_at').execute();
  expect(pending.map((e) => [e.event_type, e.published_at])).toEqual([
    ['metrics.alert.fired', null],
    ['metrics.alert.resolved', null],
  ]);
  expect(pending[0]?.last_error).toMatch(/not reachable/);
  // The first failure stops the run, so "resolved" was never tried before "fired".
  expect(pending[1]?.attempts).toBe(0);
  const [alert] = await ctx.db.selectFrom('alert_history').selectAll().execute();
  expect(alert?.notification_sent).toBe(false);

  bus.down = false;
  outbox.start();
  await waitFor(() => ctx.events.received.length === 2 && true, 'both events on the bus');
  expect(ctx.events.received.map((e) => [e.type, e.payload.alertId])).toEqual([
    ['metrics.alert.fired', alert?.id],
    ['metrics.alert.resolved', alert?.id],
  ]);
  // The envelope id is the outbox row id, so a re-publish after a crash is recognisable.
  expect(ctx.events.received.map((e) => e.id)).toEqual(pending.map((e) => e.id));
  await outbox.stop();
  await evaluator.stop();
  const published = await ctx.db.selectFrom('metrics_alert_events').select('published_at').execute();
  expect(published.every((e) => e.published_at !== null)).toBe(true);
  expect(
    (await ctx.db.selectFrom('alert_history').select('notification_sent').executeTakeFirstOrThrow())
      .notification_sent,
  ).toBe(true);
});
