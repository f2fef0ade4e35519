import { createCapturedLogger } from '@arasul/testkit';
import { HealthRegistry, Shutdown } from '../src';

describe('HealthRegistry', () => {
  it('fails a check that hangs past its timeout and aborts it', async () => {
    const health = new HealthRegistry('svc');
    let aborted = false;
    health.register({
      name: 'slow',
      timeoutMs: 50,
      check: (signal) =>
        new Promise(() => {
          signal.addEventListener('abort', () => (aborted = true));
        }),
    });
    const report = await health.readiness();
    expect(report.status).toBe('unready');
    expect(report.checks.slow?.error).toBe('no answer within 50 ms');
    expect(aborted).toBe(true);
  });

  it('keeps a non-critical failure visible without making the service unready', async () => {
    const health = new HealthRegistry('svc');
    health.register({ name: 'optional', critical: false, check: () => Promise.reject(new Error('off')) });
    const report = await health.readiness();
    expect(report.status).toBe('ready');
    expect(report.checks.optional).toMatchObject({ status: 'down', critical: false, error: 'off' });
  });

  it('shows the last run and last error of background loops, and turns unready on shutdown', async () => {
    const health = new HealthRegistry('svc');
    const loop = health.loop('retention');
    loop.success();
    loop.failure(new Error('disk full'));
    const report = await health.readiness();
    expect(report.loops.retention).toMatchObject({ runs: 2, failures: 1, lastError: 'disk full' });
    health.markShuttingDown();
    expect((await health.readiness()).status).toBe('unready');
  });
});

describe('Shutdown', () => {
  it('stops in reverse order once, and a failing step does not stop the others', async () => {
    const { logger, lines } = createCapturedLogger();
    const order: string[] = [];
    const shutdown = new Shutdown(logger, 1000)
      .add('pool', () => {
        order.push('pool');
      })
      .add('consumer', () => {
        order.push('consumer');
        throw new Error('channel closed');
      })
      .add('http', async () => {
        await new Promise((r) => setTimeout(r, 10));
        order.push('http');
      });

    await Promise.all([shutdown.run('SIGTERM'), shutdown.run('SIGTERM')]);
    expect(order).toEqual(['http', 'consumer', 'pool']);
    expect(lines().some((l) => l.message === 'stop step failed' && l.step === 'consumer')).toBe(true);
  });
});
