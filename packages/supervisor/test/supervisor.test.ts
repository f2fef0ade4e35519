import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createSilentLogger } from '@arasul/testkit';
import {
  createControlApp,
  discoverServices,
  serviceUrls,
  Supervisor,
  type SupervisorOptions,
  withTrustProxy,
} from '../src';
import { eventually, makeCheckout, testPort } from './fixtures';

const logger = createSilentLogger();

function options(root: string, overrides: Partial<SupervisorOptions> = {}): SupervisorOptions {
  return {
    root,
    env: { PATH: process.env.PATH },
    logDir: join(root, 'var', 'log'),
    logMaxBytes: 1024 * 1024,
    logKeep: 2,
    baseBackoffMs: 100,
    maxBackoffMs: 400,
    stableAfterMs: 60_000,
    readinessIntervalMs: 100,
    stopTimeoutMs: 2000,
    ...overrides,
  };
}

describe('supervisor', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function startSupervisor(root: string, overrides: Partial<SupervisorOptions> = {}): Supervisor {
    const supervisor = new Supervisor(discoverServices(root, {}), options(root, overrides), logger);
    supervisor.start();
    cleanups.push(() => supervisor.stop());
    return supervisor;
  }

  it('starts every service in start order and reports each ready', async () => {
    const checkout = makeCheckout([
      { name: 'gateway', port: testPort(0), startOrder: 90 },
      { name: 'auth', port: testPort(1), startOrder: 10 },
    ]);
    cleanups.push(checkout.remove);
    const supervisor = startSupervisor(checkout.root);

    await eventually(() => supervisor.status().allReady, 'both services are ready');
    const status = supervisor.status();
    expect(status.services.map((s) => s.name)).toEqual(['auth', 'gateway']);
    for (const s of status.services) {
      expect(s.state).toBe('running');
      expect(s.pid).toEqual(expect.any(Number));
      expect(() => process.kill(s.pid ?? -1, 0)).not.toThrow();
    }
  });

  it('restarts a crashed service with growing back-off and logs why', async () => {
    const checkout = makeCheckout([{ name: 'flaky', port: testPort(2), env: { FAKE_EXIT_AFTER_MS: '150' } }]);
    cleanups.push(checkout.remove);
    const supervisor = startSupervisor(checkout.root);
    const flaky = () => supervisor.status().services[0]!;

    await eventually(() => flaky().restarts >= 2, 'the service was restarted twice');
    const s = flaky();
    expect(s.lastExit).toMatchObject({ code: 3, signal: null });
    expect(s.consecutiveCrashes).toBeGreaterThanOrEqual(2);

    const log = readFileSync(join(checkout.root, 'var', 'log', 'flaky.log'), 'utf8');
    expect(log).toContain('fake service starting');
    expect(log).toMatch(/exited \(code 3, signal null\), restarting in 100 ms/);
    expect(log).toMatch(/restarting in 200 ms/);
  });

  it('says why a running service is not ready', async () => {
    const checkout = makeCheckout([{ name: 'sick', port: testPort(3), env: { FAKE_READY: 'false' } }]);
    cleanups.push(checkout.remove);
    const supervisor = startSupervisor(checkout.root);

    await eventually(
      () => supervisor.status().services[0]?.notReadyReason === 'postgres: connection refused',
      'the reason is known',
    );
    expect(supervisor.status().allReady).toBe(false);
  });

  it('stops gracefully and kills a service that ignores SIGTERM after the timeout', async () => {
    const checkout = makeCheckout([
      { name: 'polite', port: testPort(4) },
      { name: 'stubborn', port: testPort(5), env: { FAKE_IGNORE_SIGTERM: 'true' } },
    ]);
    cleanups.push(checkout.remove);
    const supervisor = new Supervisor(
      discoverServices(checkout.root, {}),
      options(checkout.root, { stopTimeoutMs: 300 }),
      logger,
    );
    supervisor.start();
    await eventually(() => supervisor.status().allReady, 'both are ready');
    const pids = supervisor.status().services.map((s) => s.pid ?? -1);

    await supervisor.stop();
    const status = supervisor.status();
    expect(status.services.map((s) => s.state)).toEqual(['stopped', 'stopped']);
    expect(status.services.find((s) => s.name === 'polite')?.lastExit).toMatchObject({ code: 0 });
    expect(status.services.find((s) => s.name === 'stubborn')?.lastExit).toMatchObject({ signal: 'SIGKILL' });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    // Two node children starting on a busy 2-core box can take most of the default 10 s.
  }, 30_000);

  it('refuses an unbuilt service and an invalid port instead of guessing', () => {
    const checkout = makeCheckout([{ name: 'ok', port: testPort(6) }]);
    cleanups.push(checkout.remove);
    expect(() => discoverServices(checkout.root, { OK_PORT: 'eighty' })).toThrow(
      'OK_PORT=eighty is not a valid port',
    );
    expect(discoverServices(checkout.root, { OK_PORT: '9999' })[0]?.port).toBe(9999);
  });

  it('starts a service with the V8 memory flags of its manifest, and refuses any other flag', async () => {
    const checkout = makeCheckout([
      {
        name: 'lean',
        port: testPort(11),
        nodeFlags: ['--max-semi-space-size=2', '--optimize-for-size', '--disable-optimizing-compilers'],
      },
    ]);
    cleanups.push(checkout.remove);
    const supervisor = startSupervisor(checkout.root);
    await eventually(() => supervisor.status().allReady, 'the service is ready');
    const pid = supervisor.status().services[0]?.pid ?? -1;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    expect(argv.slice(1, 5)).toEqual([
      '--enable-source-maps',
      '--max-semi-space-size=2',
      '--optimize-for-size',
      '--disable-optimizing-compilers',
    ]);

    const evil = makeCheckout([{ name: 'evil', port: testPort(12), nodeFlags: ['--require=/tmp/x.js'] }]);
    cleanups.push(evil.remove);
    expect(() => discoverServices(evil.root, {})).toThrow('a V8 memory flag with a size');
  });

  it('lets only the services behind the gateway believe loopback X-Forwarded-For, never the gateway itself', async () => {
    const checkout = makeCheckout([
      { name: 'gateway', port: testPort(13) },
      { name: 'auth', port: testPort(14) },
    ]);
    cleanups.push(checkout.remove);
    const trust = (env: NodeJS.ProcessEnv) =>
      Object.fromEntries(
        withTrustProxy(discoverServices(checkout.root, {}), env).map((d) => [d.name, d.env?.TRUST_PROXY]),
      );
    expect(trust({})).toEqual({ gateway: 'false', auth: 'loopback' });
    expect(trust({ TRUST_PROXY: '10.0.0.0/8', GATEWAY_TRUST_PROXY: '192.168.1.2' })).toEqual({
      gateway: '192.168.1.2',
      auth: '10.0.0.0/8',
    });

    const supervisor = new Supervisor(
      withTrustProxy(discoverServices(checkout.root, {}), {}),
      options(checkout.root),
      logger,
    );
    supervisor.start();
    cleanups.push(() => supervisor.stop());
    await eventually(() => supervisor.status().allReady, 'both services are ready');
    const environOf = (name: string) => {
      const pid = supervisor.status().services.find((s) => s.name === name)?.pid ?? -1;
      return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    };
    expect(environOf('gateway')).toContain('TRUST_PROXY=false');
    expect(environOf('auth')).toContain('TRUST_PROXY=loopback');
  });

  it('tells services where the others listen, unless the operator set the URL', () => {
    const checkout = makeCheckout([
      { name: 'auth', port: testPort(8), urlEnv: 'AUTH_URL' },
      { name: 'llm', port: testPort(9), urlEnv: 'LLM_QUEUE_URL' },
      { name: 'gateway', port: testPort(10) },
    ]);
    cleanups.push(checkout.remove);
    const env = { LLM_PORT: '23456', LLM_QUEUE_URL: 'http://10.0.0.5:9000' };
    expect(serviceUrls(discoverServices(checkout.root, env), env)).toEqual({
      AUTH_URL: `http://127.0.0.1:${testPort(8)}`,
    });
    expect(serviceUrls(discoverServices(checkout.root, { LLM_PORT: '23456' }), {})).toEqual({
      AUTH_URL: `http://127.0.0.1:${testPort(8)}`,
      LLM_QUEUE_URL: 'http://127.0.0.1:23456',
    });
  });

  describe('control API', () => {
    it('shows status to anyone on loopback but restarts only with the token', async () => {
      const checkout = makeCheckout([{ name: 'svc', port: testPort(7) }]);
      cleanups.push(checkout.remove);
      const supervisor = startSupervisor(checkout.root);
      await eventually(() => supervisor.status().allReady, 'ready');
      const firstPid = supervisor.status().services[0]?.pid;
      const app = createControlApp(supervisor, 'secret-token', logger);

      const status = await request(app).get('/status').expect(200);
      expect(status.body.services[0]).toMatchObject({ name: 'svc', ready: true });

      const denied = await request(app).post('/services/svc/restart').expect(401);
      expect(denied.body.error.code).toBe('unauthorized');
      await request(app)
        .post('/services/svc/restart')
        .set('Authorization', 'Bearer wrong-token!')
        .expect(401);
      const unknown = await request(app)
        .post('/services/nope/restart')
        .set('Authorization', 'Bearer secret-token')
        .expect(404);
      expect(unknown.body.error.code).toBe('service_not_found');

      await request(app)
        .post('/services/svc/restart')
        .set('Authorization', 'Bearer secret-token')
        .expect(202);
      await eventually(() => supervisor.status().allReady, 'ready again after the restart');
      expect(supervisor.status().services[0]?.pid).not.toBe(firstPid);
    });
  });
});
