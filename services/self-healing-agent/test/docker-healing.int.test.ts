import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { z } from 'zod';
import { diagnosisAnswerSchema, selfHealingSettingsSchema, selfHealingStatusSchema } from '@arasul/contracts';
import { HealthRegistry } from '@arasul/service-kit';
import { FakeDockerEngine, type ServiceTestInfra, createServiceTestInfra } from '@arasul/testkit';
import { type Agent, createAgent } from '../src/agent';
import { createApp } from '../src/app';
import { parseSelfHealingConfig } from '../src/config';
import { selectRuntime } from '../src/runtime/select-runtime';
import { INTERNAL_SECRET, asCaller, createUser, eventsOf, eventually, identity } from './helpers';

jest.setTimeout(60_000);

const admin = asCaller(identity('admin'));

describe('self-healing agent on Docker (real dockerode against the fake Engine API)', () => {
  let infra: ServiceTestInfra;
  let engine: FakeDockerEngine;
  let agent: Agent;
  let app: ReturnType<typeof createApp>;
  const requestDir = mkdtempSync(join(tmpdir(), 'arasul-recreate-'));

  beforeAll(async () => {
    infra = await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#']);
    engine = new FakeDockerEngine(
      [
        { service: 'postgres-db', dependsOn: [] },
        { service: 'llm-queue', dependsOn: ['postgres-db:service_healthy:false'] },
        { service: 'looper' },
        { service: 'no-check', healthcheck: false },
        { service: 'stuck' },
      ],
      { restartDelayMs: 50 },
    );
    await engine.start();
    const config = parseSelfHealingConfig({
      INTERNAL_SECRET,
      DOCKER_HOST: `unix://${engine.socketPath}`,
      SELF_HEALING_UNREADY_S: '5',
      SELF_HEALING_TICK_MS: '100',
      SELF_HEALING_RECONCILE_MS: '1000',
      // The host's recreate unit is played by the test (see `host` below).
      SELF_HEALING_RECREATE_REQUEST_DIR: requestDir,
      SELF_HEALING_RECREATE_TAKEN_S: '2',
      LLM_QUEUE_URL: 'http://127.0.0.1:1',
      METRICS_URL: 'http://127.0.0.1:1',
    });
    // The path main.ts takes: the engine answers, so Docker mode (dockerode is loaded only now).
    const runtime = await selectRuntime(config, infra.logger);
    expect(runtime.kind).toBe('docker');
    const health = new HealthRegistry('self-healing-agent');
    agent = createAgent({
      config,
      logger: infra.logger,
      health,
      db: infra.database.db,
      bus: infra.bus,
      runtime,
    });
    await agent.start();
    app = createApp({ config, logger: infra.logger, health, db: infra.database.db, ...agent });
    await eventually(() => agent.healer.services().length === 5, 'the agent sees every container');
  });

  afterAll(async () => {
    await agent.stop();
    await engine.close();
    await infra.close();
    rmSync(requestDir, { recursive: true, force: true });
  });

  it('lists the compose services with health, dependencies and the runtime', async () => {
    const status = selfHealingStatusSchema.parse(
      (await request(app).get('/api/self-healing/status').set(admin).expect(200)).body,
    );
    expect(status).toMatchObject({ runtime: 'docker', runtimeConnected: true });
    expect(status.services.map((s) => [s.name, s.state, s.health])).toEqual([
      ['llm-queue', 'running', 'healthy'],
      ['looper', 'running', 'healthy'],
      ['no-check', 'running', 'none'],
      ['postgres-db', 'running', 'healthy'],
      ['stuck', 'running', 'healthy'],
    ]);
    expect(agent.healer.find('llm-queue')?.svc.dependencies).toEqual(['postgres-db']);
  });

  it('sees a container die from the event stream and records the restart Docker does', async () => {
    engine.crash('llm-queue');
    const detected = await eventually(
      async () => (await eventsOf(infra.database.db, 'llm-queue')).find((e) => e.event_type === 'detected'),
      'the die is recorded',
      3000,
    );
    expect(detected).toMatchObject({ trigger: 'crashed' });
    expect(detected.description).toContain('code 137');
    await infra.events.waitFor(
      'selfhealing.action.taken',
      (p) => p.target === 'llm-queue' && p.runtime === 'docker' && p.action === 'restart_service',
    );
    await eventually(
      async () => (await eventsOf(infra.database.db, 'llm-queue')).find((e) => e.event_type === 'recovered'),
      'the recovery is recorded',
    );
  });

  it('restarts a container that is running but unhealthy (what Docker itself never does)', async () => {
    const calls = engine.calls.length;
    engine.setHealth('postgres-db', 'unhealthy');
    const action = await eventually(
      async () => (await eventsOf(infra.database.db, 'postgres-db')).find((e) => e.event_type === 'action'),
      'the agent acted on the unhealthy container',
      10_000,
    );
    expect(action).toMatchObject({ action_taken: 'restart_service', trigger: 'hung', outcome: 'succeeded' });
    expect(engine.calls.slice(calls).some((c) => c.method === 'POST' && c.path.endsWith('/restart'))).toBe(
      true,
    );
    await eventually(() => agent.healer.find('postgres-db')?.svc.ready === true, 'healthy again');
    // The agent's own restart is not mistaken for a crash.
    const rows = await eventsOf(infra.database.db, 'postgres-db');
    expect(rows.filter((e) => e.trigger === 'crashed')).toHaveLength(0);
  });

  it('quarantines a crash loop by switching the restart policy off; an admin release puts it back', async () => {
    for (let i = 0; i < 6; i += 1) {
      engine.crash('looper');
      await eventually(
        () => engine.container('looper').status !== 'restarting',
        'Docker restarted it (or the policy is off)',
        3000,
      );
    }
    const escalated = await infra.events.waitFor(
      'selfhealing.escalated',
      (p) => p.target === 'looper',
      10_000,
    );
    expect(escalated.payload).toMatchObject({
      cause: 'budget_exhausted',
      quarantined: true,
      runtime: 'docker',
    });
    await eventually(
      () => engine.container('looper').spec.restartPolicy === 'no',
      'the restart policy is off',
    );

    await request(app).post('/api/services/looper/release').set(admin).expect(200);
    expect(engine.container('looper').spec.restartPolicy).toBe('unless-stopped');
    expect(engine.container('looper').status).toBe('running');
  });

  it('a full disk in Docker mode also prunes dangling images and the build cache, never an image in use', async () => {
    engine.addImage({ id: 'sha256:dangling1', size: 300 * 1_048_576, dangling: true });
    engine.addImage({ id: 'sha256:in-use', size: 900 * 1_048_576, dangling: false });
    engine.addBuildCache('cache-1', 200 * 1_048_576);
    await agent.guards.onAlertFired({
      alertId: 4711,
      metric: 'disk',
      value: 92,
      threshold: 90,
      severity: 'critical',
      at: new Date().toISOString(),
    });
    const cleanup = await eventually(
      async () => (await eventsOf(infra.database.db, 'disk')).find((e) => e.action_taken === 'disk_cleanup'),
      'the cleanup is recorded',
    );
    expect(cleanup.outcome).toBe('succeeded');
    expect(cleanup.metadata).toMatchObject({
      docker: { images: 1, buildCaches: 1, bytes: 500 * 1_048_576 },
    });
    expect(cleanup.description).toContain('1 dangling images and 1 build cache entries (500 MiB)');
    expect([...engine.images.keys()]).toEqual(['sha256:in-use']);
    expect(engine.buildCache.size).toBe(0);
    const calls = engine.calls.map((c) => `${c.method} ${c.path}`);
    expect(calls).toEqual(expect.arrayContaining(['POST /images/prune', 'POST /build/prune']));
  });

  it("reads a container's memory from the stats endpoint (for the RAM guard)", async () => {
    engine.setMemory('looper', 700 * 1_048_576);
    expect(await agent.healer.runtime.memoryBytes('looper')).toBe(700 * 1_048_576);
  });

  it("gives the diagnosis assistant the container's last log lines from the engine, secrets masked", async () => {
    // llm-queue has incidents from the crash above, so the assistant looks at its log.
    for (let i = 1; i <= 25; i += 1) engine.writeLog('llm-queue', `line ${String(i)}`);
    engine.writeLog(
      'llm-queue',
      'connect failed: postgres://arasul:hunter2secret@postgres-db/arasul',
      'stderr',
    );
    expect(await agent.healer.runtime.logTail?.('llm-queue', 3)).toEqual([
      'line 24',
      'line 25',
      'connect failed: postgres://arasul:hunter2secret@postgres-db/arasul',
    ]);

    const operator = await createUser(infra.database.db, 'docker-asker', 'operator');
    const answer = diagnosisAnswerSchema.parse(
      (
        await request(app)
          .post('/api/self-healing/ask')
          .set(asCaller(operator))
          .send({ question: 'Why did llm-queue restart?', language: 'en', stream: false })
          .expect(200)
      ).body,
    );
    expect(answer).toMatchObject({ llmAvailable: false, context: { runtime: 'docker' } });
    const { logs } = z.object({ logs: z.record(z.string(), z.array(z.string())) }).parse(answer.context);
    const lines = logs['llm-queue'] ?? [];
    expect(lines).toHaveLength(20);
    expect(lines[0]).toBe('line 7');
    expect(lines.at(-1)).toContain('connect failed');
    expect(lines.at(-1)).not.toContain('hunter2secret');
    expect(engine.calls.some((c) => c.method === 'GET' && /\/containers\/[^/]+\/logs/.test(c.path))).toBe(
      true,
    );
  });

  it('recreates a container that stays unhealthy through restart and stop+start, through the host, once', async () => {
    const owner = await createUser(infra.database.db, 'docker-admin', 'admin');
    const settings = selfHealingSettingsSchema.parse(
      (await request(app).get('/api/self-healing/settings').set(asCaller(owner)).expect(200)).body,
    );
    await request(app)
      .put('/api/self-healing/settings')
      .set(asCaller(owner))
      .send({ ...settings, backoffBaseSeconds: 1, backoffMaxSeconds: 10 })
      .expect(200);
    // The host side (infra/host/arasul-recreate-request.sh): take the request, remove it, recreate.
    const taken: string[] = [];
    const host = setInterval(() => {
      for (const file of readdirSync(requestDir).filter((f) => f.endsWith('.request'))) {
        const fields = readFileSync(join(requestDir, file), 'utf8');
        rmSync(join(requestDir, file));
        taken.push(fields);
        engine.recreate(/^service=(.*)$/m.exec(fields)?.[1] ?? '');
      }
    }, 50);
    try {
      const firstId = engine.container('stuck').id;
      engine.setHealth('stuck', 'unhealthy', true); // stays unhealthy across restarts
      const recreated = await eventually(
        async () =>
          (await eventsOf(infra.database.db, 'stuck')).find((e) => e.action_taken === 'recreate_service'),
        'the agent recreates the container',
        40_000,
      );
      const actions = (await eventsOf(infra.database.db, 'stuck'))
        .filter((e) => e.event_type === 'action')
        .map((e) => e.action_taken);
      expect(actions).toEqual(['restart_service', 'stop_start_service', 'recreate_service']);
      expect(recreated).toMatchObject({ trigger: 'hung', outcome: 'succeeded' });
      expect(taken).toHaveLength(1);
      expect(taken[0]).toMatch(/^requested_at=\d+\nrequested_at_iso=\S+\nservice=stuck\nreason=.+\n$/);
      expect(engine.container('stuck').id).not.toBe(firstId);
      await eventually(
        async () => (await eventsOf(infra.database.db, 'stuck')).find((e) => e.event_type === 'recovered'),
        'the recovery is recorded',
      );
      // The old container's exit was asked for: not a crash.
      expect((await eventsOf(infra.database.db, 'stuck')).filter((e) => e.trigger === 'crashed')).toEqual([]);
    } finally {
      clearInterval(host);
    }
  });

  it('counts a recreate the host never takes as failed and withdraws the request', async () => {
    const runtime = agent.healer.runtime;
    if (!runtime.recreate) throw new Error('the Docker runtime has no recreate');
    await expect(runtime.recreate('no-check', 'a test')).rejects.toMatchObject({
      code: 'host_unit_unavailable',
    });
    expect(readdirSync(requestDir)).toEqual([]);
  });
});
