import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '@arasul/db';
import type { TestDatabase } from '@arasul/testkit';
import {
  cleanupRedisPrefix,
  createSilentLogger,
  createTestRedisPrefix,
  TEST_REDIS_URL,
} from '@arasul/testkit';
import { createRedis } from '@arasul/service-kit';
import { SharedStreamLimiter } from '../src/proxy/shared-stream-limiter';
import { createRateLimitRedis, leaseSize, RateLimiter } from '../src/ratelimit/rate-limiter';
import {
  accessToken,
  createTestDatabase,
  deadUrl,
  INTERNAL_SECRET,
  JWT_SECRET,
  startEchoUpstream,
  startFakeAuth,
  waitFor,
  type RunningHttp,
  type SeenRequest,
} from './helpers';

let db: TestDatabase<Database>;
let upstream: RunningHttp & { seen: SeenRequest[] };
let auth: Awaited<ReturnType<typeof startFakeAuth>>;
let gateway: ChildProcess;
let base: string;
const redisPrefix = createTestRedisPrefix();
const redis = createRedis({ url: TEST_REDIS_URL, keyPrefix: redisPrefix, logger: createSilentLogger() });

/** Each request on a new connection, so node:cluster hands them to the workers in turn. */
async function get(path: string, token: string): Promise<number> {
  const res = await fetch(`${base}${path}`, {
    headers: { authorization: `Bearer ${token}`, connection: 'close' },
  });
  await res.arrayBuffer();
  return res.status;
}

/** The primary's children that run the gateway (tsx also starts an esbuild helper). */
function workerPids(): number[] {
  let children: number[];
  try {
    children = execFileSync('pgrep', ['-P', String(gateway.pid)])
      .toString()
      .trim()
      .split('\n')
      .map(Number);
  } catch {
    return [];
  }
  return children.filter((pid) => {
    try {
      return readFileSync(`/proc/${String(pid)}/cmdline`, 'utf8').includes('main.ts');
    } catch {
      return false;
    }
  });
}

afterAll(async () => {
  redis.disconnect();
  await cleanupRedisPrefix(redisPrefix);
});

describe('GATEWAY_WORKERS=2', () => {
  beforeAll(async () => {
    db = await createTestDatabase();
    upstream = await startEchoUpstream();
    auth = await startFakeAuth();
    const port = new URL(await deadUrl()).port;
    const dbUrl = new URL(db.url);
    // The real entry point with GATEWAY_WORKERS=2 (tsx in the workers too: cluster re-runs the same argv).
    gateway = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'main.ts')], {
      cwd: join(__dirname, '..'),
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        LOG_LEVEL: 'error',
        GATEWAY_WORKERS: '2',
        GATEWAY_PORT: port,
        POSTGRES_HOST: dbUrl.hostname,
        POSTGRES_PORT: dbUrl.port || '5432',
        POSTGRES_USER: decodeURIComponent(dbUrl.username),
        POSTGRES_DB: dbUrl.pathname.slice(1),
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redisPrefix,
        JWT_SECRET,
        INTERNAL_SECRET,
        AUTH_URL: auth.url,
        LLM_QUEUE_URL: upstream.url,
        RATE_LIMIT_USER_PER_MINUTE: '5',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    base = `http://127.0.0.1:${port}`;
    await waitFor(
      'two gateway workers answering',
      async () => {
        if (gateway.exitCode !== null) throw new Error(`the gateway exited with ${String(gateway.exitCode)}`);
        return (
          workerPids().length === 2 &&
          (await fetch(`${base}/health/live`).then(
            (r) => r.ok,
            () => false,
          ))
        );
      },
      60_000,
    );
    // Both workers listen for revocations before the tests publish one.
    await waitFor(
      'both workers subscribed',
      async () => {
        const [, subscribers] = (await redis.call('PUBSUB', 'NUMSUB', `${redisPrefix}auth:revocations`)) as [
          string,
          number,
        ];
        return subscribers === 2;
      },
      30_000,
    );
  }, 120_000);

  afterAll(async () => {
    const exited = new Promise((resolve) => gateway.once('exit', resolve));
    gateway.kill('SIGTERM');
    await exited;
    await auth.close();
    await upstream.close();
    await db.drop();
  }, 30_000);

  it('keeps one rate-limit window per user across the workers: the 6th of 5/min is refused', async () => {
    const { token } = accessToken({ userId: 31 });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) statuses.push(await get('/api/chats', token));
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });

  it('applies a revocation in every worker within a second', async () => {
    const { token, jti, expiresAt } = accessToken({ userId: 32 });
    expect(await get('/api/chats', token)).toBe(200);
    // Both workers' subscribers receive it.
    expect(
      await redis.publish(
        `${redisPrefix}auth:revocations`,
        JSON.stringify({ type: 'session', jti, expiresAt: expiresAt.toISOString() }),
      ),
    ).toBe(2);
    const published = Date.now();
    await waitFor('revoked everywhere', async () => {
      const statuses = [await get('/api/chats', token), await get('/api/chats', token)];
      return statuses.every((s) => s === 401);
    });
    expect(Date.now() - published).toBeLessThan(1000);
    // Four more on fresh connections, spread over both workers: all refused.
    for (let i = 0; i < 4; i += 1) expect(await get('/api/chats', token)).toBe(401);
  });

  it('replaces a worker that dies and keeps serving meanwhile', async () => {
    const [victim] = workerPids();
    expect(victim).toBeDefined();
    process.kill(victim ?? 0, 'SIGKILL');
    const { token } = accessToken({ userId: 33 });
    await waitFor(
      'a new worker',
      () => {
        const pids = workerPids();
        return pids.length === 2 && !pids.includes(victim ?? 0);
      },
      30_000,
    );
    expect(await get('/api/chats', token)).toBe(200);
  }, 40_000);
});

describe('event-stream places across workers', () => {
  it('counts one cap for the user over every limiter, and frees a dead holder after its lease', async () => {
    const a = new SharedStreamLimiter(redis, 2, createSilentLogger(), 600);
    const b = new SharedStreamLimiter(redis, 2, createSilentLogger(), 600);
    const first = await a.tryOpen(41);
    const second = await b.tryOpen(41);
    expect(first).not.toBeNull();
    expect(second).not.toBeNull();
    expect(await a.tryOpen(41)).toBeNull();
    expect(await b.tryOpen(41)).toBeNull();
    expect(await b.tryOpen(42)).not.toBeNull(); // another user has their own places

    first?.release();
    const third = await b.tryOpen(41);
    expect(third).not.toBeNull();

    // `a` held nothing more; `b` "dies" (stops renewing) holding two places: they free themselves.
    b.close();
    expect(await a.tryOpen(41)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(await a.tryOpen(41)).not.toBeNull();
    a.close();
  });
});

describe('leased rate-limit admissions', () => {
  it('never admit more than the limit over two processes, and spend every admission they lease', async () => {
    const logger = createSilentLogger();
    const clients = [createRateLimitRedis(redis, logger, 2000), createRateLimitRedis(redis, logger, 2000)];
    await waitFor('redis ready', () => clients.every((c) => c.status === 'ready'));
    const [a, b] = clients.map((c) => new RateLimiter(c, logger));
    if (a === undefined || b === undefined) throw new Error('two limiters');
    const limit = 1000;
    expect(leaseSize(limit)).toBe(10);
    let admitted = 0;
    let refused = 0;
    for (let i = 0; i < 1100; i += 1) {
      const limiter = i % 2 === 0 ? a : b;
      const decision = limiter.tryLeased('user:91', limit) ?? (await limiter.consumeLeased('user:91', limit));
      if (decision?.admitted) admitted += 1;
      else refused += 1;
    }
    expect(admitted).toBe(limit);
    expect(refused).toBe(100);
    expect(await redis.zcard('gateway:rl:user:91')).toBe(limit);
    for (const c of clients) c.disconnect();
  });

  it('let concurrent requests of one bucket share a lease instead of each taking one', async () => {
    const logger = createSilentLogger();
    const client = createRateLimitRedis(redis, logger, 2000);
    await waitFor('redis ready', () => client.status === 'ready');
    const limiter = new RateLimiter(client, logger);
    const decisions = await Promise.all(
      Array.from({ length: 10 }, () => limiter.consumeLeased('user:92', 1000)),
    );
    expect(decisions.every((d) => d?.admitted === true)).toBe(true);
    // One lease of 10 covered all ten: the window holds exactly 10 entries.
    expect(await redis.zcard('gateway:rl:user:92')).toBe(10);
    client.disconnect();
  });
});
