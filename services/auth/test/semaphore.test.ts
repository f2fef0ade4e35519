import { setTimeout as sleep } from 'node:timers/promises';
import { Semaphore } from '../src/shared/semaphore';

class Busy extends Error {}

describe('Semaphore', () => {
  it('never runs more than `max` tasks at once and runs queued ones in order', async () => {
    const semaphore = new Semaphore(2, 10, 5000, () => new Busy());
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        semaphore.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await sleep(10);
          order.push(i);
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(semaphore.stats).toEqual({ active: 0, queued: 0 });
  });

  it('refuses at once when the queue is full', async () => {
    const semaphore = new Semaphore(1, 1, 5000, () => new Busy());
    const first = semaphore.run(() => sleep(50));
    const second = semaphore.run(() => sleep(1));
    const started = Date.now();
    await expect(semaphore.run(() => sleep(1))).rejects.toBeInstanceOf(Busy);
    expect(Date.now() - started).toBeLessThan(20);
    await Promise.all([first, second]);
  });

  it('gives up on a waiter after maxWaitMs and frees its place', async () => {
    const semaphore = new Semaphore(1, 5, 30, () => new Busy());
    const long = semaphore.run(() => sleep(100));
    await expect(semaphore.run(() => sleep(1))).rejects.toBeInstanceOf(Busy);
    expect(semaphore.stats.queued).toBe(0);
    await long;
    await expect(semaphore.run(() => Promise.resolve(7))).resolves.toBe(7);
  });

  it('releases the slot when a task fails', async () => {
    const semaphore = new Semaphore(1, 0, 100, () => new Busy());
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
