import { type Redis } from 'ioredis';
import {
  cleanupRedisPrefix,
  createCapturedLogger,
  createSilentLogger,
  createTestRedisPrefix,
  TEST_REDIS_URL,
} from '@arasul/testkit';
import { createRedis, deleteByPrefix, redisHealthCheck, runWithContext } from '../src';

describe('logger', () => {
  it('adds the request id of the current context and masks secret-looking fields', () => {
    const { logger, lines } = createCapturedLogger('svc');
    runWithContext({ requestId: 'req-1' }, () =>
      logger.info('login', { username: 'anna', password: 'hunter2', apiKey: 'aras_x' }),
    );
    expect(lines()[0]).toMatchObject({
      message: 'login',
      requestId: 'req-1',
      username: 'anna',
      password: '***',
      apiKey: '***',
      service: 'svc',
    });
  });
});

describe('redis kit', () => {
  const prefix = createTestRedisPrefix();
  const logger = createSilentLogger();
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const c of clients) c.disconnect();
    await cleanupRedisPrefix(prefix);
  });

  it('prefixes every key so two clients with different prefixes never collide', async () => {
    const a = createRedis({ url: TEST_REDIS_URL, keyPrefix: `${prefix}a:`, logger });
    const b = createRedis({ url: TEST_REDIS_URL, keyPrefix: `${prefix}b:`, logger });
    clients.push(a, b);
    await a.set('k', '1');
    await b.set('k', '2');
    expect(await a.get('k')).toBe('1');
    expect(await b.get('k')).toBe('2');

    expect(await deleteByPrefix(a, `${prefix}a:`)).toBe(1);
    expect(await a.get('k')).toBeNull();
    expect(await b.get('k')).toBe('2');
  });

  it('health check fails fast when Redis cannot be reached', async () => {
    const dead = createRedis({
      url: 'redis://127.0.0.1:1',
      keyPrefix: prefix,
      logger,
      connectTimeoutMs: 200,
    });
    clients.push(dead);
    const check = redisHealthCheck(dead);
    const started = Date.now();
    await expect(check.check(new AbortController().signal)).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
