import { setTimeout as sleep } from 'node:timers/promises';
import { HealthRegistry } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { SamplingLoop } from '../src/sampling/sampling.loop';
import type { Sample } from '../src/sampling/sample';
import type { Sampler } from '../src/sampling/sampler';
import { sampleOf } from './helpers';

class SlowSampler implements Sampler {
  running = 0;
  maxConcurrent = 0;
  constructor(private readonly delayMs: number) {}
  async sample(): Promise<Sample> {
    this.running += 1;
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running);
    await sleep(this.delayMs);
    this.running -= 1;
    return sampleOf({});
  }
  sources() {
    return { gpu: { fallback: 'none' }, temperature: { fallback: 'none' } };
  }
}

describe('the sampling loop', () => {
  it('skips a tick while a slow cycle runs instead of queueing it', async () => {
    const sampler = new SlowSampler(130);
    const received: Sample[] = [];
    const health = new HealthRegistry('test');
    const loop = new SamplingLoop(
      sampler,
      [{ name: 'collect', accept: (s) => received.push(s) }],
      50,
      health,
      createSilentLogger(),
    );
    loop.start();
    await sleep(700);
    await loop.stop();

    expect(sampler.maxConcurrent).toBe(1);
    expect(loop.stats.skipped).toBeGreaterThanOrEqual(5);
    // ~700 ms / 150 ms per cycle: nothing piled up behind the slow ones.
    expect(loop.stats.taken).toBeGreaterThanOrEqual(3);
    expect(loop.stats.taken).toBeLessThanOrEqual(6);
    expect(received).toHaveLength(loop.stats.taken);
    expect((await health.readiness()).loops.sampler?.runs).toBe(loop.stats.taken);
  });

  it('keeps sampling when a sink throws, and reports a failing sampler in /health', async () => {
    let calls = 0;
    const sampler: Sampler = {
      sample: () =>
        ++calls === 2 ? Promise.reject(new Error('probe exploded')) : Promise.resolve(sampleOf({})),
      sources: () => ({ gpu: { fallback: 'none' }, temperature: { fallback: 'none' } }),
    };
    const good: Sample[] = [];
    const health = new HealthRegistry('test');
    const loop = new SamplingLoop(
      sampler,
      [
        {
          name: 'broken',
          accept: () => {
            throw new Error('sink bug');
          },
        },
        { name: 'good', accept: (s) => good.push(s) },
      ],
      1000,
      health,
      createSilentLogger(),
    );
    await loop.tick();
    await loop.tick();
    await loop.tick();
    expect(good).toHaveLength(2);
    expect(loop.stats).toMatchObject({ taken: 2, failed: 1 });
    expect((await health.readiness()).loops.sampler).toMatchObject({
      failures: 1,
      lastError: 'probe exploded',
    });
  });
});
