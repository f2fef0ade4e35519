import { setTimeout as sleep } from 'node:timers/promises';
import { KeyedMutex } from '../src/shared/keyed-mutex';

class Busy extends Error {}

describe('KeyedMutex', () => {
  it('runs tasks of one key one at a time, in order, and different keys side by side', async () => {
    const mutex = new KeyedMutex(10, () => new Busy());
    const log: string[] = [];
    const task = (key: string, id: number) =>
      mutex.run(key, async () => {
        log.push(`start ${key}${id}`);
        await sleep(20);
        log.push(`end ${key}${id}`);
      });
    await Promise.all([task('a', 1), task('a', 2), task('b', 1)]);
    expect(log.indexOf('end a1')).toBeLessThan(log.indexOf('start a2'));
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(mutex.size).toBe(0);
  });

  it('refuses at once beyond maxWaiting per key, and recovers after a failing task', async () => {
    const mutex = new KeyedMutex(1, () => new Busy());
    const first = mutex.run('k', () => sleep(30).then(() => Promise.reject(new Error('boom'))));
    const second = mutex.run('k', () => Promise.resolve('second'));
    await expect(mutex.run('k', () => Promise.resolve('third'))).rejects.toBeInstanceOf(Busy);
    await expect(mutex.run('other', () => Promise.resolve('other'))).resolves.toBe('other');
    await expect(first).rejects.toThrow('boom');
    await expect(second).resolves.toBe('second');
    await expect(mutex.run('k', () => Promise.resolve('later'))).resolves.toBe('later');
    expect(mutex.size).toBe(0);
  });
});
