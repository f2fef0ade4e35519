import type { RequestHandler } from 'express';
import { AppError, type Identity } from '@arasul/service-kit';

export type CapName = 'queued_jobs_per_user' | 'queued_jobs_per_key' | 'streams_per_user' | 'streams_per_key';

const CAP_TEXT: Record<CapName, string> = {
  queued_jobs_per_user: 'You already have {limit} jobs waiting in the LLM queue',
  queued_jobs_per_key: 'This API key already has {limit} jobs waiting in the LLM queue',
  streams_per_user: 'You already have {limit} LLM requests open at once',
  streams_per_key: 'This API key already has {limit} LLM requests open at once',
};

/** 429 naming the cap that was hit, with Retry-After; one user or key must not take the queue or all streams. */
export class CallerCapExceededError extends AppError {
  constructor(
    readonly cap: CapName,
    readonly limit: number,
    retryAfterSeconds: number,
  ) {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super(
      'caller_cap_exceeded',
      `${CAP_TEXT[cap].replace('{limit}', String(limit))} (cap ${cap}). Wait for one to finish.`,
      429,
      { headers: { 'Retry-After': String(seconds) }, details: { cap, limit, retryAfterSeconds: seconds } },
    );
  }
}

export interface StreamCapLimits {
  perUser: number;
  perKey: number;
}

/**
 * Open long-lived LLM requests (streams, and callers waiting for a bound job) per user and per API key, in
 * this process. A request holds its place from the moment it arrives until its response closes.
 */
export class StreamCaps {
  private readonly byUser = new Map<number, number>();
  private readonly byKey = new Map<number, number>();

  constructor(private readonly limits: StreamCapLimits) {}

  /** Takes a place for `identity`, or throws 429; the returned function gives it back (once). */
  acquire(identity: Identity): () => void {
    const users = this.byUser.get(identity.userId) ?? 0;
    if (users >= this.limits.perUser)
      throw new CallerCapExceededError('streams_per_user', this.limits.perUser, 5);
    const keyId = identity.apiKeyId;
    const keys = keyId === undefined ? 0 : (this.byKey.get(keyId) ?? 0);
    if (keyId !== undefined && keys >= this.limits.perKey)
      throw new CallerCapExceededError('streams_per_key', this.limits.perKey, 5);
    this.byUser.set(identity.userId, users + 1);
    if (keyId !== undefined) this.byKey.set(keyId, keys + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      decrement(this.byUser, identity.userId);
      if (keyId !== undefined) decrement(this.byKey, keyId);
    };
  }

  open(): { users: number; keys: number } {
    return { users: sum(this.byUser), keys: sum(this.byKey) };
  }

  /** Express middleware for the long-lived routes; callers without an identity pass to `authorize`. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      if (req.identity === undefined) {
        next();
        return;
      }
      const release = this.acquire(req.identity);
      res.once('close', release);
      next();
    };
  }
}

function decrement(map: Map<number, number>, id: number): void {
  const left = (map.get(id) ?? 1) - 1;
  if (left <= 0) map.delete(id);
  else map.set(id, left);
}

function sum(map: Map<number, number>): number {
  let total = 0;
  for (const value of map.values()) total += value;
  return total;
}
