import { AppError, ForbiddenError, UnavailableError } from '@arasul/service-kit';

export class UpstreamUnavailableError extends UnavailableError {
  constructor(service: string, cause?: unknown) {
    super(`The ${service} service is not available right now.`, 'upstream_unavailable', { cause });
  }
}

export class CsrfError extends ForbiddenError {
  constructor() {
    super('The CSRF token is missing or does not match.', 'csrf_failed');
  }
}

export class EndpointNotAllowedError extends ForbiddenError {
  constructor(path: string) {
    super(`This API key may not call ${path}.`, 'endpoint_not_allowed');
  }
}

export class RateLimiterUnavailableError extends UnavailableError {
  constructor() {
    super(
      'Sign-in is paused because the rate limiter is not available. Try again shortly.',
      'rate_limiter_unavailable',
      {
        headers: { 'Retry-After': '5' },
      },
    );
  }
}

/** 429 with the RateLimit headers a client needs to back off correctly. */
export class RateLimitExceededError extends AppError {
  constructor(limit: number, resetSeconds: number) {
    const retryAfter = String(Math.max(1, resetSeconds));
    super('rate_limited', `Too many requests. Try again in ${retryAfter} s.`, 429, {
      headers: {
        'Retry-After': retryAfter,
        'RateLimit-Limit': String(limit),
        'RateLimit-Remaining': '0',
        'RateLimit-Reset': retryAfter,
      },
      details: { retryAfterSeconds: Number(retryAfter) },
    });
  }
}
