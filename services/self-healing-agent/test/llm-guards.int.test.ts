/**
 * The guards that act through llm-queue, against a real llm-queue (in-process, its real queue and the
 * fake Ollama) and a real supervisor: heat stops the running job (its user sees why) and unloads the
 * models; a GPU at 100 % without progress gets its models unloaded (a busy GPU that produces tokens is left
 * alone); RAM pressure pauses batch work, then restarts the heaviest non-core service, and resumes.
 */
import type { MetricsAlertFired, MetricsSnapshot } from '@arasul/contracts';
import { type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import {
  INTERNAL_SECRET as LLM_SECRET,
  type TestContext,
  chatStream,
  jobRow,
  createTestContext,
} from '../../llm-queue/test/helpers';
import { type Harness, eventsOf, eventually, startHarness, testPort } from './helpers';

jest.setTimeout(90_000);

const WORDS = Array.from({ length: 400 }, (_, i) => `w${i} `);

function alert(metric: MetricsAlertFired['metric'], value: number): MetricsAlertFired {
  return {
    alertId: Math.floor(Math.random() * 1e6) + 1,
    metric,
    value,
    threshold: value - 5,
    severity: 'critical',
    at: new Date().toISOString(),
  };
}

function snapshot(gpu: number | null): MetricsSnapshot {
  return {
    timestamp: new Date().toISOString(),
    cpu: 20,
    ram: 40,
    swap: 0,
    gpu,
    temperature: 60,
    disk: null,
    unavailable: {},
    sources: {},
  };
}

describe('guards acting through llm-queue', () => {
  let llm: TestContext;
  let infra: ServiceTestInfra;
  let h: Harness;
  let gpu: number | null = 10;

  beforeAll(async () => {
    llm = await createTestContext();
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#']);
    h = await startHarness(
      [
        { name: 'indexer', port: testPort(1), env: { FAKE_ALLOC_MB: '96' } },
        { name: 'notifier', port: testPort(2) },
        // Heavier still, but core: never restarted to free memory.
        { name: 'auth', port: testPort(3), env: { FAKE_ALLOC_MB: '160' } },
      ],
      {
        INTERNAL_SECRET: LLM_SECRET,
        LLM_QUEUE_URL: llm.instance.url,
        SELF_HEALING_THERMAL_STOP_S: '3600',
        SELF_HEALING_GPU_HANG_S: '5',
        SELF_HEALING_METRICS_POLL_MS: '200',
        SELF_HEALING_RAM_SHED_S: '2',
      },
      infra,
      { metrics: { latest: () => Promise.resolve(snapshot(gpu)) } },
    );
  });
  afterAll(async () => {
    await h.close();
    await infra.close();
    await llm.close();
  });
  afterEach(() => {
    gpu = 10;
    llm.fake.resume();
    llm.fake.setDefaultReply({});
  });

  it('heat: a critical temperature stops the running LLM job with a reason and unloads the models', async () => {
    const user = await llm.user('operator', 'hot');
    llm.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 30 });
    const stream = await chatStream(llm.instance, user, { message: 'write a long story' });
    await stream.waitFor((e) => e.type === 'token', 'a first token');
    const jobId = String(stream.events[0]?.jobId);
    const unloadsBefore = llm.fake.unloads().length;

    await infra.bus.publish('metrics.alert.fired', alert('temperature', 93));
    const action = await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.action === 'cancel_llm_job',
      10_000,
    );
    expect(action.payload).toMatchObject({
      target: 'llm-queue',
      trigger: 'temperature',
      outcome: 'succeeded',
    });
    await stream.waitForEnd();
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'stopped_by_system' });
    expect(String(stream.events.at(-1)?.message)).toContain('too hot (93.0 °C)');
    expect((await jobRow(llm.db, jobId)).error_code).toBe('stopped_by_system');
    expect(llm.fake.unloads().length).toBeGreaterThan(unloadsBefore);
    const row = (await eventsOf(h.db, 'llm-queue')).find((e) => e.action_taken === 'cancel_llm_job');
    expect(row?.metadata).toMatchObject({ stopped: [jobId], unloaded: ['qwen3:8b'] });
    await infra.bus.publish('metrics.alert.resolved', alert('temperature', 70));
  });

  it('GPU hang: 100 % with tokens flowing is left alone; 100 % without progress unloads the models', async () => {
    const user = await llm.user('operator', 'gpu');
    llm.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 25 });
    const busy = await chatStream(llm.instance, user, { message: 'busy but fine' });
    await busy.waitFor((e) => e.type === 'token', 'a first token');
    gpu = 100;
    await new Promise((r) => setTimeout(r, 6500)); // longer than the 5 s window, tokens keep coming
    expect((await eventsOf(h.db, 'gpu')).filter((e) => e.action_taken === 'unload_models')).toEqual([]);

    llm.fake.pause(); // the GPU is "full" and nothing comes out any more
    const unloadsBefore = llm.fake.unloads().length;
    const action = await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.action === 'unload_models',
      15_000,
    );
    expect(action.payload).toMatchObject({ target: 'gpu', trigger: 'gpu', outcome: 'succeeded' });
    expect(action.payload.reason).toMatch(/GPU at 100 % for \d+ s without a new token/);
    await busy.waitForEnd();
    expect(busy.events.at(-1)).toMatchObject({ type: 'error', code: 'stopped_by_system' });
    expect(llm.fake.unloads().length).toBeGreaterThan(unloadsBefore);

    // Still hung a window later: a critical incident, the top of the ladder (rebooting is off here).
    const escalated = await infra.events.waitFor('selfhealing.escalated', (p) => p.target === 'gpu', 15_000);
    expect(escalated.payload).toMatchObject({ cause: 'guard', trigger: 'gpu', severity: 'critical' });
    const skipped = await eventually(
      async () => (await eventsOf(h.db, 'gpu')).find((e) => e.event_type === 'skipped'),
      'the reboot decision is recorded',
    );
    expect(skipped.description).toContain('no reboot: rebooting is off');
  });

  it('RAM: pauses batch work, then restarts the heaviest non-core service; resumes when RAM recovers', async () => {
    const indexerPid = h.pidOf('indexer');
    const notifierPid = h.pidOf('notifier');
    const authPid = h.pidOf('auth');
    await infra.bus.publish('metrics.alert.fired', alert('ram', 96));

    const paused = await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.action === 'shed_load' && p.target === 'memory',
    );
    expect(paused.payload.reason).toContain('batch LLM work paused');
    const control = () =>
      fetch(`${llm.instance.url}/internal/llm/control/progress`, {
        headers: { authorization: `Bearer ${LLM_SECRET}` },
      }).then((r) => r.json() as Promise<{ batchPaused: { reason: string } | null }>);
    expect((await control()).batchPaused).toMatchObject({ reason: 'RAM at 96 %' });

    const restarted = await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.action === 'restart_service' && p.trigger === 'memory',
      15_000,
    );
    expect(restarted.payload.target).toBe('indexer');
    expect(restarted.payload.reason).toContain('the heaviest non-core service');
    await eventually(() => h.pidOf('indexer') !== indexerPid, 'indexer runs with a new pid');
    expect(h.pidOf('auth')).toBe(authPid);
    expect(h.pidOf('notifier')).toBe(notifierPid);

    await infra.bus.publish('metrics.alert.resolved', alert('ram', 70));
    await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.action === 'shed_load' && String(p.reason).includes('resumed'),
    );
    expect((await control()).batchPaused).toBeNull();
  });
});
