import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMeta, type Logger } from '@arasul/service-kit';

/**
 * Sliding-window log in one sorted set per subject, atomic in Lua: drop entries older than the window,
 * count, admit and record when under the limit. The set never holds more than `limit` entries, so memory is
 * bounded by the limit, and the window is exact (no boundary bursts). Time comes from Redis, so every
 * gateway instance and worker agrees on it. ARGV[4] asks for that many admissions at once (a lease, see
 * RateLimiter.consumeLeased); fewer are granted when the window has less room. Returns {granted, remaining,
 * ms until the oldest entry leaves}.
 */
const SLIDING_WINDOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local want = tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local granted = math.min(want, limit - count)
if granted > 0 then
  for i = 1, granted do redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. i) end
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + granted
else
  granted = 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = window
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {granted, limit - count, reset}
`;
const SCRIPT_SHA = createHash('sha1').update(SLIDING_WINDOW_LUA).digest('hex');

export interface RateLimitDecision {
  admitted: boolean;
  limit: number;
  remaining: number;
  /** Whole seconds until at least one more request is admitted. */
  resetSeconds: number;
}

export type RateLimiterMode = 'redis' | 'fail-open';

/** Admissions taken from Redis ahead of use by this process, spent locally until they run out or expire. */
interface Lease {
  limit: number;
  tokens: number;
  /** Remaining in the Redis window right after the lease was granted. */
  remaining: number;
  grantedAt: number;
  resetMs: number;
}

/** How long an unspent lease may be used: its admissions were recorded in the window when it was taken. */
export const LEASE_TTL_MS = 1000;
/** 1 % of the limit, at least 1 (limits under 200 stay exact), at most 100. */
export function leaseSize(limit: number): number {
  return Math.max(1, Math.min(100, Math.floor(limit / 100)));
}

/**
 * The rate limiter's own Redis connection: commands of concurrent requests are pipelined into one write
 * (auto-pipelining), and each has a short timeout so a hanging Redis fails open (or closed) quickly
 * instead of holding requests. Same URL, key prefix and reconnect policy as the shared client.
 */
export function createRateLimitRedis(shared: Redis, logger: Logger, commandTimeoutMs = 250): Redis {
  const client = shared.duplicate({
    enableAutoPipelining: true,
    commandTimeout: commandTimeoutMs,
    connectionName: 'arasul-gateway-ratelimit',
  });
  // The shared client already logs Redis outages; this one only must not crash on its 'error' events.
  client.on('error', (error: unknown) => logger.debug('rate limiter redis error', errorMeta(error)));
  return client;
}

export class RateLimiter {
  private readonly instance = randomBytes(6).toString('hex');
  private sequence = 0;
  private lastFailureAt = 0;
  private readonly log: Logger;
  private readonly leases = new Map<string, Lease>();
  private readonly pendingLeases = new Map<string, Promise<unknown>>();

  /** `redis` should come from createRateLimitRedis (auto-pipelined, with a command timeout). */
  constructor(
    private readonly redis: Redis,
    logger: Logger,
    private readonly windowMs = 60_000,
  ) {
    this.log = logger.child({ module: 'rate-limiter' });
  }

  /**
   * For the high-volume budgets (users, API keys): one admission from a lease this process holds, without
   * I/O; `undefined` when there is none left (then call consumeLeased).
   */
  tryLeased(bucket: string, limit: number, now = Date.now()): RateLimitDecision | undefined {
    const lease = this.leases.get(bucket);
    if (lease === undefined) return undefined;
    if (lease.limit !== limit || now - lease.grantedAt >= LEASE_TTL_MS) {
      this.leases.delete(bucket);
      return undefined;
    }
    lease.tokens -= 1;
    if (lease.tokens <= 0) this.leases.delete(bucket);
    return {
      admitted: true,
      limit,
      remaining: Math.max(0, lease.remaining + lease.tokens),
      resetSeconds: Math.max(1, Math.ceil((lease.resetMs - (now - lease.grantedAt)) / 1000)),
    };
  }

  /**
   * Like consume, but takes `leaseSize(limit)` admissions from the Redis window at once and keeps the rest
   * for this bucket's next requests in this process (for LEASE_TTL_MS). Every admission is still recorded in
   * the shared window before it is used, so the limit holds across workers and instances; the tolerance is
   * in time: an admission may be spent up to 1 s after it was recorded, and admissions a process leased but
   * did not spend count against the caller until they leave the window (at most leaseSize − 1 per process).
   * Concurrent misses of one bucket share one Redis call.
   */
  async consumeLeased(bucket: string, limit: number): Promise<RateLimitDecision | null> {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const pending = this.pendingLeases.get(bucket);
      if (pending === undefined) break;
      await pending;
      const local = this.tryLeased(bucket, limit);
      if (local !== undefined) return local;
    }
    const want = leaseSize(limit);
    const call = this.take(bucket, limit, want).then((result) => {
      if (result === null || result.granted === 0) return result === null ? null : result.decision;
      if (result.granted > 1) {
        this.leases.set(bucket, {
          limit,
          tokens: result.granted - 1,
          remaining: result.decision.remaining,
          grantedAt: Date.now(),
          resetMs: result.resetMs,
        });
      }
      return { ...result.decision, remaining: result.decision.remaining + result.granted - 1 };
    });
    if (want > 1) {
      this.pendingLeases.set(bucket, call);
      void call.finally(() => this.pendingLeases.delete(bucket));
    }
    return call;
  }

  /** `null` when Redis cannot answer now; the caller decides whether that fails open or closed. */
  async consume(bucket: string, limit: number): Promise<RateLimitDecision | null> {
    return (await this.take(bucket, limit, 1))?.decision ?? null;
  }

  private async take(
    bucket: string,
    limit: number,
    want: number,
  ): Promise<{ decision: RateLimitDecision; granted: number; resetMs: number } | null> {
    if (this.redis.status !== 'ready') {
      this.lastFailureAt = Date.now();
      return null;
    }
    this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER;
    const member = `${this.instance}:${String(this.sequence)}`;
    try {
      const [granted, remaining, resetMs] = await this.evaluate(`gateway:rl:${bucket}`, limit, member, want);
      return {
        granted,
        resetMs,
        decision: {
          admitted: granted > 0,
          limit,
          remaining: Math.max(0, remaining),
          resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
        },
      };
    } catch (error) {
      if (Date.now() - this.lastFailureAt > 10_000)
        this.log.warn('rate limiter unavailable', errorMeta(error));
      this.lastFailureAt = Date.now();
      return null;
    }
  }

  /** `fail-open` while Redis is away or failed within the last 5 s. */
  mode(): RateLimiterMode {
    return this.redis.status === 'ready' && Date.now() - this.lastFailureAt > 5000 ? 'redis' : 'fail-open';
  }

  private async evaluate(
    key: string,
    limit: number,
    member: string,
    want: number,
  ): Promise<[number, number, number]> {
    const args = [String(this.windowMs), String(limit), member, String(want)];
    try {
      return (await this.redis.evalsha(SCRIPT_SHA, 1, key, ...args)) as [number, number, number];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(SLIDING_WINDOW_LUA, 1, key, ...args)) as [number, number, number];
    }
  }
}
