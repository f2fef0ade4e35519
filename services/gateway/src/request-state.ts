import type { Request } from 'express';
import type { ApiKeyEntry } from './auth/api-keys';
import type { SignedIdentityHolder } from './auth/identity-signer';
import type { BodyMeter } from './proxy/body-meter';
import type { RateLimitDecision } from './ratelimit/rate-limiter';
import type { RouteEntry } from './routing/route-table';

/** What the gateway learns about one API request on its way through the pipeline. */
export interface GatewayRequestState {
  startedAt: Date;
  startedAtMs: number;
  /** The request's id (the client's when it is safe, else a new UUID): `X-Request-Id` both ways. */
  requestId: string;
  /** The security headers and `X-Request-Id` are already set on the response (response-headers.ts). */
  headersApplied: boolean;
  /** The rate limit's answer, sent as `RateLimit-*` headers. */
  rateLimit?: RateLimitDecision;
  /** The client address as `trust proxy` decides it, computed once. */
  ip: string;
  route?: RouteEntry;
  anonymousRoute: boolean;
  /** Set when a Bearer token or API key established the identity (these clients are exempt from CSRF). */
  credential?: SignedIdentityHolder;
  apiKey?: ApiKeyEntry;
  body?: BodyMeter;
  /** Why the request body was not read or recorded, for the audit row. */
  bodyNote?: string;
  upload: boolean;
  bodyRejected: boolean;
  errorMessage?: string;
  /** Set when the path was refused (routing/canonical-path.ts); answered right after the audit trail starts. */
  pathError?: Error;
}

declare global {
  // Express's own extension point for request properties is this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      gateway?: GatewayRequestState;
    }
  }
}

export function newRequestState(ip: string | undefined, requestId = ''): GatewayRequestState {
  return {
    startedAt: new Date(),
    startedAtMs: performance.now(),
    requestId,
    headersApplied: false,
    ip: ip ?? 'unknown',
    anonymousRoute: false,
    upload: false,
    bodyRejected: false,
  };
}

/** The state of a request inside the API pipeline (always set by its first middleware). */
export function stateOf(req: Request): GatewayRequestState {
  req.gateway ??= newRequestState(req.ip);
  return req.gateway;
}
