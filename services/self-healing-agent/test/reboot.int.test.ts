/**
 * The reboot path with a harmless reboot command (a script that records its call): only when enabled, at
 * the top of the ladder for a critical incident, never during an update, at most once an hour, the state
 * saved first; after the "boot" the agent's start publishes `system.boot` with the reason.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { type Harness, eventsOf, eventually, startHarness, testPort } from './helpers';

jest.setTimeout(60_000);

describe('reboot path', () => {
  let infra: ServiceTestInfra;
  let h: Harness;
  let script: string;
  let calls: string;

  beforeAll(async () => {
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#', 'system.#']);
    const dir = join('/tmp', `arasul-reboot-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    script = join(dir, 'fake-reboot.sh');
    calls = join(dir, 'reboots.log');
    writeFileSync(script, `#!/bin/sh\necho "reboot $*" >> ${calls}\n`);
    chmodSync(script, 0o755);
    h = await startHarness(
      [{ name: 'api', port: testPort(4) }],
      { SELF_HEALING_REBOOT_ENABLED: 'true', SELF_HEALING_REBOOT_COMMAND: `${script} now` },
      infra,
      // The host booted an hour ago (this boot's row is where the state is saved).
      { bootedAt: () => new Date(Date.now() - 3_600_000) },
    );
    // The state saved before the reboot is the agent's view: wait until it has seen api come up.
    await eventually(
      () => h.agent.healer.services().some((t) => h.agent.healer.healthOf(t) === 'healthy'),
      'the agent sees api healthy',
    );
  });
  afterAll(async () => {
    await h.close();
    await infra.close();
    rmSync(join('/tmp', `arasul-reboot-${process.pid}`), { recursive: true, force: true });
  });

  const rebootsRun = () => (existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : []);
  const incident = () =>
    h.agent.recorder.escalate({
      service: 'api',
      reason: 'api is still not healthy after 4 healing actions',
      severity: 'critical',
      attempts: 4,
      lastAction: 'stop_start_service',
      cause: 'ladder_exhausted',
      quarantined: false,
      trigger: 'hung',
    });

  it('never reboots during an update, then reboots once with the state saved, then not again within the hour', async () => {
    const update = await h.db
      .insertInto('update_events')
      .values({ version_to: '1.3.0', status: 'in_progress', source: 'dashboard' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await incident();
    const skipped = await eventually(
      async () => (await eventsOf(h.db, 'api')).find((e) => e.event_type === 'skipped'),
      'the skipped reboot is recorded',
    );
    expect(skipped.description).toBe('no reboot: an update is in progress');
    expect(rebootsRun()).toEqual([]);

    // A lock file held by an update counts as well.
    await h.db
      .updateTable('update_events')
      .set({ status: 'completed' })
      .where('id', '=', update.id)
      .execute();
    const lock = join(h.root, 'var', 'run', 'update.lock');
    writeFileSync(lock, '');
    await incident();
    await eventually(
      async () => (await eventsOf(h.db, 'api')).filter((e) => e.event_type === 'skipped').length === 2,
      'the second skip',
    );
    expect(rebootsRun()).toEqual([]);
    rmSync(lock);

    await incident();
    const action = await infra.events.waitFor('selfhealing.action.taken', (p) => p.action === 'reboot');
    expect(action.payload).toMatchObject({ target: 'host', trigger: 'hung', severity: 'critical' });
    await eventually(() => rebootsRun().length === 1, 'the reboot command ran');
    expect(rebootsRun()).toEqual(['reboot now']);
    const boot = await h.db
      .selectFrom('system_boot_events')
      .selectAll()
      .orderBy('boot_timestamp', 'desc')
      .executeTakeFirstOrThrow();
    expect(boot.shutdown_request_reason).toBe('api: api is still not healthy after 4 healing actions');
    expect(boot.shutdown_requested_at).not.toBeNull();
    expect(boot.services_status_at_shutdown).toEqual([{ name: 'api', state: 'running', health: 'healthy' }]);

    await incident();
    await eventually(
      async () => (await eventsOf(h.db, 'api')).filter((e) => e.event_type === 'skipped').length === 3,
      'the third skip',
    );
    const last = (await eventsOf(h.db, 'api')).filter((e) => e.event_type === 'skipped').at(-1);
    expect(last?.description).toMatch(/^no reboot: the box was rebooted at .* \(at most one an hour\)$/);
    expect(rebootsRun()).toHaveLength(1);

    // After the boot: the agent starts on a fresh host and tells why the box went down.
    await h.restartAgent({ bootedAt: () => new Date() });
    const event = await infra.events.waitFor('system.boot', (p) => p.rebootedBySelfHealing === true);
    expect(event.payload).toMatchObject({
      shutdownReason: 'self-healing reboot: api: api is still not healthy after 4 healing actions',
      previousShutdownAt: boot.shutdown_requested_at?.toISOString(),
    });
  });
});
