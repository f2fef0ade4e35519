import type { RequestHandler } from 'express';
import { RateLimitExceededError, RateLimiterUnavailableError } from '../errors';
import { LOGIN_ROUTE, routeKey } from '../auth/anonymous-routes';
import { stateOf } from '../request-state';
import type { RateLimiter } from './rate-limiter';

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
  return async (req, res, next) => {
    const state = stateOf(req);
    let bucket: string;
    let limit: number;
    let failClosed = false;
    if (state.anonymousRoute) {
      const login = routeKey(req.method, req.path) === LOGIN_ROUTE;
      bucket = `${login ? 'login' : 'anon'}:${state.ip}`;
      limit = login ? settings.loginPerMinute : settings.anonymousPerMinute;
      failClosed = login;
    } else if (state.apiKey) {
      bucket = `key:${state.apiKey.apiKeyId}`;
      limit = state.apiKey.rateLimitPerMinute;
    } else {
      bucket = `user:${req.identity?.userId ?? 0}`;
      limit = settings.userPerMinute;
    }

    const decision = await limiter.consume(bucket, limit);
    if (decision === null) {
      if (failClosed) throw new RateLimiterUnavailableError();
      next();
      return;
    }
    if (!decision.admitted) throw new RateLimitExceededError(decision.limit, decision.resetSeconds);
    res.setHeader('RateLimit-Limit', String(decision.limit));
    res.setHeader('RateLimit-Remaining', String(decision.remaining));
    res.setHeader('RateLimit-Reset', String(decision.resetSeconds));
    next();
  };
}
