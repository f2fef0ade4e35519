import { setTimeout as sleep } from 'node:timers/promises';
import { createSilentLogger } from '@arasul/testkit';
import { HealthRegistry, PeriodicTask } from '../src';

function deferred() {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function loop(health: HealthRegistry, name: string) {
  return (await health.readiness()).loops[name];
}

describe('PeriodicTask', () => {
  it('runs on its interval, one pass at a time, and reports every pass to /health/ready', async () => {
    const health = new HealthRegistry('t');
    let active = 0;
    let maxActive = 0;
    let passes = 0;
    const task = new PeriodicTask({
      name: 'cleanup',
      intervalMs: 10,
      firstRunDelayMs: 0,
      timeoutMs: 1000,
      run: async () => {
        active += 1;
        maxActive = Math.max(maxActive, active);
        await sleep(15);
        active -= 1;
        passes += 1;
        return passes;
      },
      health,
      logger: createSilentLogger(),
    });
    task.start();
    // A pass asked for while one runs is that same pass.
    await sleep(5);
    const [a, b] = await Promise.all([task.runOnce(), task.runOnce()]);
    expect(a).toBe(b);
    // It keeps running on its own (waiting for passes, not for a fixed time: a busy box runs fewer per 100 ms).
    for (const deadline = Date.now() + 5000; passes < 3 && Date.now() < deadline; ) await sleep(10);
    await task.stop();
    expect(maxActive).toBe(1);
    expect(passes).toBeGreaterThanOrEqual(3);
    expect(task.lastResult).toBe(passes);
    const state = await loop(health, 'cleanup');
    expect(state?.runs).toBe(passes);
    expect(state?.lastSuccessAt).not.toBeNull();
    expect(state?.lastError).toBeNull();
  });

  it('stop() aborts the running pass and waits until it has returned; nothing runs afterwards', async () => {
    const health = new HealthRegistry('t');
    const started = deferred();
    let returned = false;
    let passes = 0;
    const task = new PeriodicTask({
      name: 'slow',
      intervalMs: 5,
      firstRunDelayMs: 0,
      timeoutMs: 10_000,
      run: async (signal) => {
        passes += 1;
        started.resolve();
        // A bounded pass: batches until its signal says stop.
        while (!signal.aborted) await sleep(5);
        await sleep(30);
        returned = true;
      },
      health,
      logger: createSilentLogger(),
    });
    task.start();
    await started.promise;
    await task.stop();
    expect(returned).toBe(true);
    expect(task.isRunning).toBe(false);
    await sleep(50);
    expect(passes).toBe(1);
  });

  it('records a failing pass as last error, keeps going, and counts a pass over its bound as failed', async () => {
    const health = new HealthRegistry('t');
    let calls = 0;
    const task = new PeriodicTask({
      name: 'flaky',
      intervalMs: 3_600_000,
      timeoutMs: 30,
      run: async (signal) => {
        calls += 1;
        if (calls === 1) throw new Error('database went away');
        if (calls === 2) {
          while (!signal.aborted) await sleep(5);
          return 'partial';
        }
        return 'ok';
      },
      health,
      logger: createSilentLogger(),
    });
    await expect(task.runOnce()).rejects.toThrow('database went away');
    expect((await loop(health, 'flaky'))?.lastError).toBe('database went away');
    await expect(task.runOnce()).rejects.toThrow('flaky pass exceeded 30 ms');
    expect(task.lastResult).toBeUndefined();
    await expect(task.runOnce()).resolves.toBe('ok');
    const state = await loop(health, 'flaky');
    expect(state).toMatchObject({
      runs: 3,
      failures: 2,
      lastError: 'flaky pass exceeded 30 ms and was stopped',
    });
    expect(state?.lastSuccessAt).not.toBeNull();
    await task.stop();
  });
});
