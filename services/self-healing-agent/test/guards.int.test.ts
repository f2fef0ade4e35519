import { existsSync, mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricsAlertFired } from '@arasul/contracts';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { type Harness, eventsOf, eventually, startHarness, testPort } from './helpers';

jest.setTimeout(60_000);

function alert(
  metric: MetricsAlertFired['metric'],
  value: number,
  severity: 'warning' | 'critical',
): MetricsAlertFired {
  return {
    alertId: Math.floor(Math.random() * 1e6) + 1,
    metric,
    value,
    threshold: value - 1,
    severity,
    at: new Date().toISOString(),
  };
}

describe('guards driven by the metrics collector alert events', () => {
  let infra: ServiceTestInfra;
  let h: Harness;
  let tmp: string;
  beforeAll(async () => {
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#']);
    tmp = join('/tmp', `arasul-guard-${process.pid}`);
    mkdirSync(tmp, { recursive: true });
    h = await startHarness(
      [{ name: 'ollama', port: testPort(7) }],
      { SELF_HEALING_CLEANUP_DIRS: tmp, SELF_HEALING_THERMAL_STOP_S: '5' },
      infra,
    );
  });
  afterAll(async () => {
    await h.close();
    await infra.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('a full disk gets a safe cleanup (rotated logs, old temp files only), then a critical incident', async () => {
    const logDir = join(h.root, 'var', 'log');
    writeFileSync(join(logDir, 'ollama.log.1'), 'x'.repeat(4096));
    const oldFile = join(tmp, 'old-upload.tmp');
    const newFile = join(tmp, 'fresh-upload.tmp');
    writeFileSync(oldFile, 'old');
    writeFileSync(newFile, 'new');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    utimesSync(oldFile, twoDaysAgo, twoDaysAgo);

    await infra.bus.publish('metrics.alert.fired', alert('disk', 91, 'critical'));
    const cleanup = await eventually(
      async () => (await eventsOf(h.db, 'disk')).find((e) => e.action_taken === 'disk_cleanup'),
      'the cleanup is recorded',
    );
    expect(cleanup.outcome).toBe('succeeded');
    expect(cleanup.metadata).toMatchObject({ files: 2 });
    expect(existsSync(join(logDir, 'ollama.log.1'))).toBe(false);
    expect(existsSync(join(logDir, 'ollama.log'))).toBe(true);
    expect(existsSync(oldFile)).toBe(false);
    expect(existsSync(newFile)).toBe(true);
    expect((await eventsOf(h.db, 'disk')).some((e) => e.event_type === 'escalated')).toBe(false);

    await infra.bus.publish('metrics.alert.fired', alert('disk', 96, 'critical'));
    const escalated = await infra.events.waitFor('selfhealing.escalated', (p) => p.target === 'disk');
    expect(escalated.payload).toMatchObject({ cause: 'guard', severity: 'critical', trigger: 'disk' });
  });

  it('a critical temperature that lasts stops the LLM backend; it starts again when the alert resolves', async () => {
    await infra.bus.publish('metrics.alert.fired', alert('temperature', 92, 'critical'));
    await infra.events.waitFor('selfhealing.escalated', (p) => p.target === 'temperature');
    const stopped = await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.target === 'ollama' && p.action === 'stop_service',
      10_000,
    );
    expect(stopped.payload).toMatchObject({ trigger: 'temperature', outcome: 'succeeded' });
    expect(h.supervisor.status().services[0]?.state).toBe('stopped');

    await infra.bus.publish('metrics.alert.resolved', alert('temperature', 70, 'critical'));
    await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.target === 'ollama' && p.action === 'start_service',
    );
    await eventually(() => h.supervisor.status().allReady, 'the LLM backend runs again');
  });
});
