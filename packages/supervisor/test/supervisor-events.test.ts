import { join } from 'node:path';
import { createSilentLogger } from '@arasul/testkit';
import { listen, type RunningServer } from '@arasul/service-kit';
import { createControlApp, discoverServices, Supervisor, type SupervisorOptions } from '../src';
import { eventually, makeCheckout, testPort } from './fixtures';

const logger = createSilentLogger();
const TOKEN = 'events-test-token';

function options(root: string): SupervisorOptions {
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
  };
}

interface StreamedEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Reads the control API's SSE stream with plain fetch, as the agent does. */
function openStream(
  port: number,
  token: string,
): { events: StreamedEvent[]; close: () => void; status: Promise<number> } {
  const events: StreamedEvent[] = [];
  const abort = new AbortController();
  const status = fetch(`http://127.0.0.1:${port}/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  }).then(async (response) => {
    if (!response.body) return response.status;
    const decoder = new TextDecoder();
    let buffer = '';
    void (async () => {
      try {
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end = buffer.indexOf('\n\n');
          while (end >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.*)$/m.exec(block)?.[1];
            const data = /^data: (.*)$/m.exec(block)?.[1];
            if (event && data) events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
            end = buffer.indexOf('\n\n');
          }
        }
      } catch {
        // aborted at the end of the test
      }
    })();
    return response.status;
  });
  return { events, close: () => abort.abort(), status };
}

describe('supervisor event stream and quarantine', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(
    services: Parameters<typeof makeCheckout>[0],
  ): Promise<{ supervisor: Supervisor; server: RunningServer }> {
    const checkout = makeCheckout(services);
    cleanups.push(checkout.remove);
    const supervisor = new Supervisor(discoverServices(checkout.root, {}), options(checkout.root), logger);
    supervisor.start();
    cleanups.push(() => supervisor.stop());
    const server = await listen(createControlApp(supervisor, TOKEN, logger), 0);
    cleanups.push(() => server.close(100));
    return { supervisor, server };
  }

  it('pushes a snapshot, then the exit of a killed process and its readiness flips, to token holders only', async () => {
    const { supervisor, server } = await start([{ name: 'victim', port: testPort(11) }]);
    await eventually(() => supervisor.status().allReady, 'the service is ready');

    const denied = openStream(server.port, 'wrong');
    expect(await denied.status).toBe(401);

    const stream = openStream(server.port, TOKEN);
    cleanups.push(stream.close);
    expect(await stream.status).toBe(200);
    await eventually(() => stream.events.length > 0, 'the snapshot arrived');
    expect(stream.events[0]).toMatchObject({ event: 'snapshot', data: { allReady: true } });

    const pid = supervisor.status().services[0]?.pid ?? -1;
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await eventually(() => stream.events.some((e) => e.event === 'exited'), 'the exit was pushed', 2000);
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect(stream.events.find((e) => e.event === 'exited')?.data).toMatchObject({
      service: 'victim',
      signal: 'SIGKILL',
      willRestart: true,
      restartInMs: 100,
    });
    await eventually(
      () => stream.events.some((e) => e.event === 'readiness' && e.data.ready === true),
      'the service is pushed as ready again after the supervisor restarted it',
    );
    expect(stream.events.filter((e) => e.event === 'readiness').map((e) => e.data.ready)).toEqual([
      false,
      true,
    ]);
  });

  it('does not restart a quarantined service that crashes, and starts it again on release', async () => {
    const { supervisor, server } = await start([{ name: 'held', port: testPort(12) }]);
    await eventually(() => supervisor.status().allReady, 'the service is ready');
    const base = `http://127.0.0.1:${server.port}/services/held`;
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

    const noReason = await fetch(`${base}/quarantine`, { method: 'POST', headers: auth, body: '{}' });
    expect(noReason.status).toBe(400);
    const quarantined = await fetch(`${base}/quarantine`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ reason: 'crash loop: 6 actions in 30 min' }),
    });
    expect(quarantined.status).toBe(202);
    expect(supervisor.status().services[0]).toMatchObject({
      quarantined: true,
      quarantineReason: 'crash loop: 6 actions in 30 min',
    });

    process.kill(supervisor.status().services[0]?.pid ?? -1, 'SIGKILL');
    await eventually(() => supervisor.status().services[0]?.state === 'stopped', 'the service is down');
    await new Promise((r) => setTimeout(r, 400)); // longer than the back-off would have been
    expect(supervisor.status().services[0]).toMatchObject({ state: 'stopped', pid: null, restarts: 0 });

    const released = await fetch(`${base}/release`, { method: 'POST', headers: auth });
    expect(released.status).toBe(202);
    await eventually(() => supervisor.status().allReady, 'the released service runs again');
    expect(supervisor.status().services[0]?.quarantined).toBe(false);
  });
});
