/**
 * Docker mode's reboot path: the agent cannot reboot its host from a container, so the reboot is a request
 * file on a directory shared with the host (SELF_HEALING_REBOOT_REQUEST_PATH), carried out by the host's
 * systemd path unit (infra/host/arasul-reboot-request.sh, tested in test/reboot-request-host.test.ts).
 * The request is written whole (never half a file), with the reason, and at most once an hour; the reboot
 * command is not run.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { type Harness, eventsOf, eventually, startHarness, testPort } from './helpers';

jest.setTimeout(60_000);

describe('reboot request (Docker mode)', () => {
  const dir = join('/tmp', `arasul-reboot-request-${process.pid}`);
  const shared = join(dir, 'shared');
  const requestFile = join(shared, 'reboot-request');
  const commandLog = join(dir, 'command.log');
  let infra: ServiceTestInfra;
  let h: Harness;

  beforeAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(shared, { recursive: true });
    const script = join(dir, 'fake-reboot.sh');
    writeFileSync(script, `#!/bin/sh\necho "reboot $*" >> ${commandLog}\n`);
    chmodSync(script, 0o755);
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#', 'system.#']);
    h = await startHarness(
      [{ name: 'api', port: testPort(5) }],
      {
        SELF_HEALING_REBOOT_ENABLED: 'true',
        SELF_HEALING_REBOOT_COMMAND: `${script} now`,
        SELF_HEALING_REBOOT_REQUEST_PATH: requestFile,
      },
      infra,
      { bootedAt: () => new Date(Date.now() - 3_600_000) },
    );
  });
  afterAll(async () => {
    await h.close();
    await infra.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const incident = () =>
    h.agent.recorder.escalate({
      service: 'api',
      reason: 'api is still not healthy after 4 healing actions\nsecond line',
      severity: 'critical',
      attempts: 4,
      lastAction: 'stop_start_service',
      cause: 'ladder_exhausted',
      quarantined: false,
      trigger: 'hung',
    });

  it('writes one complete request with the reason instead of running the command, then none within the hour', async () => {
    const before = Math.floor(Date.now() / 1000);
    await incident();
    const action = await infra.events.waitFor('selfhealing.action.taken', (p) => p.action === 'reboot');
    expect(action.payload).toMatchObject({ target: 'host', severity: 'critical' });
    await eventually(() => existsSync(requestFile), 'the reboot request file appears');

    const fields = Object.fromEntries(
      readFileSync(requestFile, 'utf8')
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(fields.reason).toBe('api: api is still not healthy after 4 healing actions second line');
    const requestedAt = Number(fields.requested_at);
    expect(requestedAt).toBeGreaterThanOrEqual(before);
    expect(requestedAt).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(new Date(String(fields.requested_at_iso)).getTime()).toBeGreaterThanOrEqual(before * 1000);
    // Written through a temporary file and renamed: nothing else is left in the shared directory.
    expect(readdirSync(shared)).toEqual(['reboot-request']);
    expect(existsSync(commandLog)).toBe(false);

    // The host took the request (its path unit removes the file first); a second incident within the hour
    // asks for nothing.
    rmSync(requestFile);
    await incident();
    await eventually(
      async () => (await eventsOf(h.db, 'api')).some((e) => e.event_type === 'skipped'),
      'the skipped reboot is recorded',
    );
    const skipped = (await eventsOf(h.db, 'api')).find((e) => e.event_type === 'skipped');
    expect(skipped?.description).toMatch(/^no reboot: the box was rebooted at .* \(at most one an hour\)$/);
    expect(existsSync(requestFile)).toBe(false);
  });

  it('records a failed reboot when the shared directory is not writable', async () => {
    await h.db.deleteFrom('self_healing_events').where('action_taken', '=', 'reboot').execute();
    rmSync(shared, { recursive: true, force: true }); // the bind mount is missing
    await incident();
    const failed = await eventually(
      async () =>
        (await eventsOf(h.db, 'host')).find(
          (e) =>
            e.action_taken === 'reboot' &&
            e.event_type !== 'skipped' &&
            e.description.includes('could not be written'),
        ),
      'the failed reboot is recorded',
    );
    expect(failed.description).toMatch(/^the reboot request could not be written: .*ENOENT/);
    expect(existsSync(commandLog)).toBe(false);
  });
});
