import type { RequestHandler } from 'express';
import { RateLimitExceededError, RateLimiterUnavailableError } from '../errors';
import { LOGIN_ROUTE, routeKey } from '../auth/anonymous-routes';
import { stateOf } from '../request-state';
import type { RateLimitDecision, RateLimiter } from './rate-limiter';

export interface RateLimitSettings {
  loginPerMinute: number;
  anonymousPerMinute: number;
  userPerMinute: number;
}

/**
 * One budget per caller: anonymous routes per client IP (login much tighter), API keys per key (their own
 * limit), users per user. The RateLimit-* headers go out on every answer. When Redis cannot answer,
 * authenticated callers pass (the limiter protects, it must not take the platform down) and login fails
 * closed, because an unlimited login endpoint invites password guessing.
 */
export function rateLimit(limiter: RateLimiter, settings: RateLimitSettings): RequestHandler {
  return (req, _res, next) => {
    const state = stateOf(req);
    let bucket: string;
    let limit: number;
    let failClosed = false;
    let leased = true;
    if (state.anonymousRoute) {
      const login = routeKey(req.method, req.path) === LOGIN_ROUTE;
      bucket = `${login ? 'login' : 'anon'}:${state.ip}`;
      limit = login ? settings.loginPerMinute : settings.anonymousPerMinute;
      failClosed = login;
      leased = false; // per-IP budgets of unauthenticated callers stay exact, request by request
    } else if (state.apiKey) {
      bucket = `key:${String(state.apiKey.apiKeyId)}`;
      limit = state.apiKey.rateLimitPerMinute;
    } else {
      bucket = `user:${String(req.identity?.userId ?? 0)}`;
      limit = settings.userPerMinute;
    }

    const decide = (decision: RateLimitDecision | null): void => {
      if (decision === null) {
        if (failClosed) throw new RateLimiterUnavailableError();
        next();
        return;
      }
      if (!decision.admitted) throw new RateLimitExceededError(decision.limit, decision.resetSeconds);
      state.rateLimit = decision; // sent as RateLimit-* headers with the answer (response-headers.ts)
      next();
    };
    // Users and API keys: usually an admission this process already leased (no I/O, no promise).
    const local = leased ? limiter.tryLeased(bucket, limit) : undefined;
    if (local !== undefined) {
      decide(local);
      return;
    }
    return (leased ? limiter.consumeLeased(bucket, limit) : limiter.consume(bucket, limit)).then(decide);
  };
}
