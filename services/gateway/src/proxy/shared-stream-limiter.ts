import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMeta, type Logger } from '@arasul/service-kit';
import { StreamLimiter } from './stream-limiter';

/**
 * A place for one stream: remove leases past their expiry, count, take one when under the cap. Time comes
 * from Redis, so every worker agrees on it. Returns 1 (taken) or 0 (at the cap).
 */
const OPEN_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + ttl, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;
/** Extends the leases this worker still holds (only those still present: XX). */
const RENEW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #ARGV do redis.call('ZADD', KEYS[1], 'XX', now + ttl, ARGV[i]) end
redis.call('PEXPIRE', KEYS[1], ttl)
return 1
`;

export type StreamPlace = { release: () => void } | null;

/**
 * Open Server-Sent-Events responses per user, counted across every gateway worker (GATEWAY_WORKERS) and
 * instance: one sorted set per user in Redis holding a lease per open stream. A worker renews the leases of
 * its open streams every `ttlMs / 3`, so the places of a worker that died free themselves after at most
 * `ttlMs`. While Redis cannot answer, the per-process StreamLimiter decides (the cap then holds per worker).
 */
export class SharedStreamLimiter {
  private readonly instance = randomBytes(6).toString('hex');
  private sequence = 0;
  private readonly local: StreamLimiter;
  /** userId → members of this worker's open leases. */
  private readonly held = new Map<number, Set<string>>();
  private readonly timer: NodeJS.Timeout;
  private readonly log: Logger;

  constructor(
    private readonly redis: Redis,
    readonly perUser: number,
    logger: Logger,
    private readonly ttlMs = 60_000,
  ) {
    this.local = new StreamLimiter(perUser);
    this.log = logger.child({ module: 'stream-limiter' });
    this.timer = setInterval(() => void this.renew(), Math.max(100, Math.floor(ttlMs / 3)));
    this.timer.unref();
  }

  /** A place for one more stream of `userId`, or null when the user is at the cap. */
  async tryOpen(userId: number): Promise<StreamPlace> {
    const key = `gateway:sse:${String(userId)}`;
    this.sequence = (this.sequence + 1) % Number.MAX_SAFE_INTEGER;
    const member = `${this.instance}:${String(this.sequence)}`;
    let taken: boolean;
    try {
      if (this.redis.status !== 'ready') throw new Error(`redis is ${this.redis.status}`);
      taken =
        (await this.redis.eval(OPEN_LUA, 1, key, String(this.ttlMs), String(this.perUser), member)) === 1;
    } catch (error) {
      this.log.debug('shared stream count unavailable, counting in this process', errorMeta(error));
      if (!this.local.tryOpen(userId)) return null;
      return { release: once(() => this.local.release(userId)) };
    }
    if (!taken) return null;
    let members = this.held.get(userId);
    if (members === undefined) {
      members = new Set();
      this.held.set(userId, members);
    }
    members.add(member);
    return {
      release: once(() => {
        members.delete(member);
        if (members.size === 0) this.held.delete(userId);
        this.redis.zrem(key, member).catch(() => undefined); // else its lease simply expires
      }),
    };
  }

  /** Places this process holds now (in Redis, or counted locally while Redis was away). */
  total(): number {
    let sum = this.local.total();
    for (const members of this.held.values()) sum += members.size;
    return sum;
  }

  close(): void {
    clearInterval(this.timer);
  }

  private async renew(): Promise<void> {
    if (this.redis.status !== 'ready') return;
    for (const [userId, members] of this.held) {
      try {
        await this.redis.eval(RENEW_LUA, 1, `gateway:sse:${String(userId)}`, String(this.ttlMs), ...members);
      } catch (error) {
        this.log.debug('cannot renew stream leases', errorMeta(error));
        return;
      }
    }
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
