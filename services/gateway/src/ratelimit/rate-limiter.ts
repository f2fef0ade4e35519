import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMeta, type Logger } from '@arasul/service-kit';

/**
 * Sliding-window log in one sorted set per subject, atomic in Lua: drop entries older than the window,
 * count, admit and record when under the limit. The set never holds more than `limit` entries, so memory is
 * bounded by the limit, and the window is exact (no boundary bursts). Time comes from Redis, so every
 * gateway instance agrees on it. Returns {admitted, remaining, ms until the oldest entry leaves}.
 */
const SLIDING_WINDOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local admitted = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
  admitted = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local reset = window
if oldest[2] then reset = tonumber(oldest[2]) + window - now end
return {admitted, limit - count, reset}
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

  /** `redis` should come from createRateLimitRedis (auto-pipelined, with a command timeout). */
  constructor(
    private readonly redis: Redis,
    logger: Logger,
    private readonly windowMs = 60_000,
  ) {
    this.log = logger.child({ module: 'rate-limiter' });
  }

  /** `null` when Redis cannot answer now; the caller decides whether that fails open or closed. */
  async consume(bucket: string, limit: number): Promise<RateLimitDecision | null> {
    if (this.redis.status !== 'ready') {
      this.lastFailureAt = Date.now();
      return null;
    }
    this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER;
    const member = `${this.instance}:${this.sequence}`;
    try {
      const [admitted, remaining, resetMs] = await this.evaluate(`gateway:rl:${bucket}`, limit, member);
      return {
        admitted: admitted === 1,
        limit,
        remaining: Math.max(0, remaining),
        resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)),
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

  private async evaluate(key: string, limit: number, member: string): Promise<[number, number, number]> {
    const args = [String(this.windowMs), String(limit), member];
    try {
      return (await this.redis.evalsha(SCRIPT_SHA, 1, key, ...args)) as [number, number, number];
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return (await this.redis.eval(SLIDING_WINDOW_LUA, 1, key, ...args)) as [number, number, number];
    }
  }
}
