import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import { selfHealingStatusSchema } from '@arasul/contracts';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import {
  INTERNAL_SECRET,
  type Harness,
  asCaller,
  eventsOf,
  eventually,
  identity,
  startHarness,
  testPort,
} from './helpers';

jest.setTimeout(60_000);

const admin = asCaller(identity('admin'));

describe('self-healing agent on a real supervisor (native runtime)', () => {
  let infra: ServiceTestInfra;
  const harnesses: Harness[] = [];
  beforeAll(async () => {
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#']);
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) await h.close();
  });
  afterAll(async () => {
    await infra.close();
  });

  async function harness(...args: Parameters<typeof startHarness>): Promise<Harness> {
    const h = await startHarness(args[0], args[1], infra);
    harnesses.push(h);
    return h;
  }

  it('sees a kill -9 within a second, records the restart the supervisor does and the recovery', async () => {
    const h = await harness([{ name: 'victim', port: testPort(0) }]);
    await eventually(() => h.supervisor.status().allReady, 'victim is ready');
    const killedAt = Date.now();
    process.kill(h.pidOf('victim'), 'SIGKILL');

    const detected = await eventually(
      async () => (await eventsOf(h.db, 'victim')).find((e) => e.event_type === 'detected'),
      'the crash is recorded',
      3000,
    );
    expect(detected.timestamp.getTime() - killedAt).toBeLessThan(1000);
    expect(detected).toMatchObject({ trigger: 'crashed', severity: 'WARNING' });
    expect(detected.description).toContain('signal SIGKILL');

    const action = await infra.events.waitFor('selfhealing.action.taken', (p) => p.target === 'victim');
    expect(action.payload).toMatchObject({
      action: 'restart_service',
      trigger: 'crashed',
      runtime: 'native',
      actor: 'agent',
      attempt: 1,
    });
    const recovered = await eventually(
      async () => (await eventsOf(h.db, 'victim')).find((e) => e.event_type === 'recovered'),
      'the recovery is recorded',
    );
    expect(recovered.severity).toBe('INFO');
    await infra.events.waitFor(
      'service.status.changed',
      (p) =>
        p.service === 'victim' &&
        p.status === 'running' &&
        p.health === 'healthy' &&
        p.previousHealth !== null,
    );
    const cache = await h.db
      .selectFrom('service_status_cache')
      .selectAll()
      .where('service_name', '=', 'victim')
      .executeTakeFirstOrThrow();
    expect(cache).toMatchObject({ status: 'running', health: 'healthy' });
    const status = selfHealingStatusSchema.parse(
      (await request(h.app).get('/api/self-healing/status').set(admin).expect(200)).body,
    );
    expect(status.services[0]).toMatchObject({ name: 'victim', runtimeRestarts: 1, actionsInWindow: 1 });
    expect(status.services[0]?.uptimeSeconds).toBeLessThan(5);
  });

  it('restarts a service that hangs without exiting, within SELF_HEALING_UNREADY_S + 2 s, and it is ready again', async () => {
    const h = await harness([{ name: 'hangs', port: testPort(1) }]);
    await eventually(() => h.supervisor.status().allReady, 'hangs is ready');
    const firstPid = h.pidOf('hangs');
    const hungAt = Date.now();
    await h.hang('hangs');

    const action = await eventually(
      async () => (await eventsOf(h.db, 'hangs')).find((e) => e.event_type === 'action'),
      'the agent acted',
      10_000,
    );
    expect(action.timestamp.getTime() - hungAt).toBeLessThanOrEqual(7000);
    expect(action).toMatchObject({ action_taken: 'restart_service', trigger: 'hung', outcome: 'succeeded' });
    await eventually(() => h.supervisor.status().allReady, 'ready again after the restart', 10_000);
    expect(h.pidOf('hangs')).not.toBe(firstPid);

    const status = selfHealingStatusSchema.parse(
      (await request(h.app).get('/api/self-healing/status').set(admin).expect(200)).body,
    );
    expect(status.runtime).toBe('native');
    expect(status.runtimeConnected).toBe(true);
    const ready = await request(h.app)
      .get('/health/ready')
      .set('Authorization', `Bearer ${INTERNAL_SECRET}`)
      .expect(200);
    expect(ready.body.checks.runtime).toMatchObject({
      status: 'up',
      info: { runtime: 'native', fallback: expect.stringContaining('native supervisor') },
    });
    expect(status.services[0]).toMatchObject({
      name: 'hangs',
      state: 'running',
      health: 'healthy',
      actionsInWindow: 1,
      backoff: { attempt: 1 },
      lastAction: { action: 'restart_service', outcome: 'succeeded' },
    });
  });

  it('gives a crash loop no more restarts than the budget, quarantines it once, survives an agent restart, and an admin releases it', async () => {
    const h = await harness([{ name: 'looper', port: testPort(2) }]);
    await eventually(() => h.supervisor.status().allReady, 'looper is ready');
    writeFileSync(join(h.root, 'crash-looper'), 'x');
    process.kill(h.pidOf('looper'), 'SIGKILL');

    const escalated = await infra.events.waitFor(
      'selfhealing.escalated',
      (p) => p.target === 'looper',
      15_000,
    );
    expect(escalated.payload).toMatchObject({
      cause: 'budget_exhausted',
      quarantined: true,
      severity: 'critical',
      attempts: 5,
    });
    await eventually(() => h.supervisor.status().services[0]?.state === 'stopped', 'the loop has stopped');
    await sleep(800); // several supervisor back-off periods: nothing restarts it
    const supervised = h.supervisor.status().services[0];
    expect(supervised).toMatchObject({ state: 'stopped', quarantined: true });
    expect(supervised?.restarts).toBeLessThanOrEqual(5);
    const rows = await eventsOf(h.db, 'looper');
    expect(rows.filter((e) => e.event_type === 'action')).toHaveLength(5);
    expect(rows.filter((e) => e.event_type === 'quarantined')).toHaveLength(1);
    expect(infra.events.payloads('selfhealing.escalated').filter((p) => p.target === 'looper')).toHaveLength(
      1,
    );

    // The agent restarts: the quarantine and the spent budget are still there (Postgres).
    await h.restartAgent();
    await eventually(() => h.agent.healer.find('looper'), 'the new agent sees looper');
    const after = selfHealingStatusSchema.parse(
      (await request(h.app).get('/api/self-healing/status').set(admin).expect(200)).body,
    );
    expect(after.services[0]).toMatchObject({ name: 'looper', actionsInWindow: 5 });
    expect(after.services[0]?.quarantine?.reason).toContain('quarantined');

    // Only an admin releases; a release of something not quarantined is a conflict.
    const denied = await request(h.app)
      .post('/api/services/looper/release')
      .set(asCaller(identity('operator')))
      .expect(403);
    expect(denied.body.error.code).toBe('insufficient_role');
    const { rmSync } = await import('node:fs');
    rmSync(join(h.root, 'crash-looper'));
    const released = await request(h.app).post('/api/services/looper/release').set(admin).expect(200);
    expect(released.body).toMatchObject({ service: 'looper', action: 'release' });
    await eventually(() => h.supervisor.status().allReady, 'looper runs again after the release');
    expect(h.supervisor.status().services[0]?.quarantined).toBe(false);
    const again = await request(h.app).post('/api/services/looper/release').set(admin).expect(409);
    expect(again.body.error.code).toBe('not_quarantined');
    await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.target === 'looper' && p.action === 'release_service' && p.actor === 'operator',
    );
  });

  it('leaves excluded services and services an operator stopped alone', async () => {
    const h = await harness(
      [
        { name: 'ignored', port: testPort(3) },
        { name: 'parked', port: testPort(4) },
      ],
      { SELF_HEALING_EXCLUDE: 'ignored' },
    );
    await eventually(() => h.supervisor.status().allReady, 'both are ready');
    const ignoredPid = h.pidOf('ignored');
    await h.hang('ignored');

    await request(h.app).post('/api/services/parked/stop').set(admin).expect(200);
    expect(h.supervisor.status().services.find((s) => s.name === 'parked')?.state).toBe('stopped');

    await sleep(7000); // longer than SELF_HEALING_UNREADY_S + a tick
    expect(h.pidOf('ignored')).toBe(ignoredPid);
    expect((await eventsOf(h.db, 'ignored')).filter((e) => e.event_type === 'action')).toHaveLength(0);
    expect(h.supervisor.status().services.find((s) => s.name === 'parked')?.state).toBe('stopped');
    const status = selfHealingStatusSchema.parse(
      (await request(h.app).get('/api/self-healing/status').set(admin).expect(200)).body,
    );
    expect(status.services.find((s) => s.name === 'ignored')).toMatchObject({
      excluded: true,
      health: 'unhealthy',
    });
    expect(status.services.find((s) => s.name === 'parked')).toMatchObject({
      stoppedByOperator: true,
      state: 'stopped',
      lastAction: { action: 'stop_service' },
    });

    await request(h.app).post('/api/services/parked/start').set(admin).expect(200);
    await eventually(() => h.supervisor.status().allReady || h.pidOf('parked') > 0, 'parked runs again');
    const unknown = await request(h.app).post('/api/services/nope/restart').set(admin).expect(404);
    expect(unknown.body.error.code).toBe('service_not_found');
    const badAction = await request(h.app).post('/api/services/parked/explode').set(admin).expect(400);
    expect(badAction.body.error.code).toBe('validation_failed');
  });
});
