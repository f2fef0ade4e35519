import cors from 'cors';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers for an SPA served from our own origin over plain HTTP on a LAN: scripts only from
 * ourselves (no inline), styles may be inline (component libraries set style attributes), no framing.
 * No HSTS and no upgrade-insecure-requests: the appliance is reached by IP over HTTP, and either would
 * lock browsers out of it.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: false,
  });
}

/** CORS only for the configured origins; with none configured, no CORS headers at all (same-origin only). */
export function corsPolicy(origins: readonly string[]): RequestHandler | null {
  if (origins.length === 0) return null;
  const allowed = new Set(origins);
  return cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    maxAge: 600,
    exposedHeaders: [
      'X-Request-Id',
      'RateLimit-Limit',
      'RateLimit-Remaining',
      'RateLimit-Reset',
      'Retry-After',
    ],
  });
}

/** The `x-arasul-*` headers that belong to a public contract: the n8n webhook's HMAC signature and its
 * timestamp, verified by auth. Everything else in that family is the gateway's to set. */
const CLIENT_ARASUL_HEADERS = new Set(['x-arasul-timestamp', 'x-arasul-signature']);

/** Clients must never be able to speak for the gateway: every other incoming `x-arasul-*` header is dropped. */
export function stripInternalHeaders(): RequestHandler {
  return (req, _res, next) => {
    for (const name of Object.keys(req.headers)) {
      if (name.startsWith('x-arasul-') && !CLIENT_ARASUL_HEADERS.has(name)) {
        Reflect.deleteProperty(req.headers, name);
      }
    }
    next();
  };
}
