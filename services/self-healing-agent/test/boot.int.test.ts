import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { BootRecorder } from '../src/boot/boot.service';

describe('boot records', () => {
  let infra: ServiceTestInfra;
  beforeAll(async () => {
    infra = await createServiceTestInfra('self-healing-agent', ['system.#']);
  });
  afterAll(async () => {
    await infra.close();
  });

  it('records each boot once, with the planned reboot as the reason, and publishes system.boot', async () => {
    const db = infra.database.db;
    let bootedAt = new Date(Date.now() - 3_600_000);
    const recorder = new BootRecorder(db, infra.bus, infra.logger, {
      version: '1.2.3',
      bootedAt: () => bootedAt,
    });

    const first = await recorder.recordIfNew([]);
    expect(first).toEqual(expect.any(Number));
    expect(await recorder.recordIfNew([])).toBeNull(); // an agent restart is not a boot
    await infra.events.waitFor('system.boot', (p) => p.bootEventId === first);

    // The box ran, the agent saw services, then rebooted the box on purpose.
    await db
      .insertInto('service_status_cache')
      .values({
        service_name: 'auth',
        status: 'running',
        health: 'healthy',
        last_checked_at: new Date(Date.now() - 120_000),
      })
      .execute();
    await db
      .insertInto('self_healing_events')
      .values({
        event_type: 'action',
        severity: 'CRITICAL',
        description: 'GPU hung for 10 min',
        action_taken: 'reboot',
        timestamp: new Date(Date.now() - 90_000),
      })
      .execute();
    bootedAt = new Date(Date.now() - 30_000);
    const second = await recorder.recordIfNew([{ service_name: 'auth', status: 'running' }]);
    const row = await db
      .selectFrom('system_boot_events')
      .selectAll()
      .where('id', '=', second ?? 0)
      .executeTakeFirstOrThrow();
    expect(row.shutdown_reason).toBe('self-healing reboot: GPU hung for 10 min');
    expect(row.uptime_before_shutdown_seconds).toBeGreaterThan(3000);
    expect(row.notification_sent).toBe(true);
    const event = await infra.events.waitFor('system.boot', (p) => p.bootEventId === second);
    expect(event.payload).toMatchObject({ version: '1.2.3', rebootedBySelfHealing: true });
  });
});
