import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { UnauthorizedError } from '../errors';

/** A per-process key: the digests below never leave memory, so any key works and a random one leaks nothing. */
const COMPARE_KEY = randomBytes(32);

function digest(value: string): Buffer {
  return createHmac('sha256', COMPARE_KEY).update(value, 'utf8').digest();
}

/**
 * Compares two secrets in constant time whatever their lengths: both sides are reduced to 32-byte digests
 * first, so neither the content nor the length of the expected secret shows in the timing.
 */
export function secretsEqual(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

/** `Authorization: Bearer <secret>` as sent by another service, or '' when absent. */
export function bearerToken(header: string | undefined): string {
  if (header === undefined || header.length < 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') return '';
  return header.slice(7).trim();
}

/** Only callers holding INTERNAL_SECRET (other services, the supervisor) may pass: `/internal/*` routes. */
export function requireInternalSecret(internalSecret: string): RequestHandler {
  return (req, _res, next) => {
    if (!secretsEqual(bearerToken(req.get('authorization')), internalSecret)) {
      next(new UnauthorizedError('This endpoint needs the internal secret.'));
      return;
    }
    next();
  };
}
