import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { GatewayRequestState } from './request-state';
import { securityHeaders } from './security/security.middleware';

/** The headers helmet sets: the policy is static, so they are worked out once (lower-case names). */
function staticHeadersOf(middleware: RequestHandler): readonly (readonly [string, string])[] {
  const collected = new Map<string, string>();
  const fake = {
    setHeader: (name: string, value: unknown) => collected.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => collected.delete(name.toLowerCase()),
  };
  const run = { finished: false };
  void middleware({ headers: {} } as Request, fake as unknown as Response, () => {
    run.finished = true;
  });
  if (!run.finished) throw new Error('the security header middleware did not finish synchronously');
  return [...collected];
}

const SECURITY_HEADERS = staticHeadersOf(securityHeaders());

/** Upstream response headers that never reach the client: our own connection handling applies. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive']);
/** What an event stream's headers say instead of the upstream's: no caching, no buffering by a proxy. */
const EVENT_STREAM_OVERRIDES = new Set(['cache-control', 'x-accel-buffering', 'content-length']);

/**
 * The headers the gateway adds to every API answer — the security headers, `X-Request-Id` and, once the rate
 * limit decided, `RateLimit-*` — without a `setHeader` per header per request: a proxied answer gets them
 * and the upstream's headers in the one `writeHead` call (proxiedHeaders); answers the gateway writes itself
 * (errors, /api/health, a refused stream) set them just before (applyGatewayHeaders).
 */
export function applyGatewayHeaders(res: ServerResponse, state: GatewayRequestState): void {
  if (res.headersSent) return;
  if (!state.headersApplied) {
    for (const [name, value] of SECURITY_HEADERS) res.setHeader(name, value);
    res.setHeader('x-request-id', state.requestId);
    state.headersApplied = true;
  }
  const limit = state.rateLimit;
  if (limit !== undefined) {
    res.setHeader('ratelimit-limit', String(limit.limit));
    res.setHeader('ratelimit-remaining', String(limit.remaining));
    res.setHeader('ratelimit-reset', String(limit.resetSeconds));
  }
}

/**
 * The flat `[name, value, …]` list for `writeHead` of a proxied answer: ours (where the upstream did not set
 * the same header; the upstream's wins, as it would with setHeader), then the upstream's without hop-by-hop
 * headers; for an event stream `Cache-Control: no-cache`, `X-Accel-Buffering: no` and no Content-Length.
 */
export function proxiedHeaders(
  state: GatewayRequestState,
  upstream: IncomingHttpHeaders,
  eventStream: boolean,
): string[] {
  const out: string[] = [];
  if (!state.headersApplied) {
    for (const [name, value] of SECURITY_HEADERS) {
      if (upstream[name] === undefined) out.push(name, value);
    }
    if (upstream['x-request-id'] === undefined) out.push('x-request-id', state.requestId);
  }
  const limit = state.rateLimit;
  if (limit !== undefined) {
    out.push(
      'ratelimit-limit',
      String(limit.limit),
      'ratelimit-remaining',
      String(limit.remaining),
      'ratelimit-reset',
      String(limit.resetSeconds),
    );
  }
  for (const name in upstream) {
    if (HOP_BY_HOP.has(name) || (eventStream && EVENT_STREAM_OVERRIDES.has(name))) continue;
    const value = upstream[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const item of value) out.push(name, item);
  }
  if (eventStream) out.push('cache-control', 'no-cache', 'x-accel-buffering', 'no');
  return out;
}
