import { createHash, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import type { RequestHandler } from 'express';
import { CsrfError } from '../errors';
import { stateOf } from '../request-state';

export const REFRESH_COOKIE = 'arasul_refresh';
export const CSRF_COOKIE = 'arasul_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit check for cookie-authenticated requests: the browser sends the httpOnly refresh cookie by
 * itself, so an unsafe request carrying it must also prove it can read the `arasul_csrf` cookie (which only
 * our own origin can). Clients that authenticated with a Bearer token or an API key are exempt: a
 * cross-site page cannot make a browser send those.
 */
export function csrfProtection(): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const cookieHeader = req.headers.cookie;
    if (!cookieHeader?.includes(REFRESH_COOKIE)) {
      next();
      return;
    }
    if (stateOf(req).credential !== undefined) {
      next();
      return;
    }
    const cookies = parseCookies(cookieHeader);
    if (cookies[REFRESH_COOKIE] === undefined) {
      next();
      return;
    }
    const expected = cookies[CSRF_COOKIE];
    const given = req.headers[CSRF_HEADER];
    if (!expected || typeof given !== 'string' || !sameSecret(expected, given)) throw new CsrfError();
    next();
  };
}

/** Constant-time comparison of two strings of any length (hashing first equalizes the lengths). */
function sameSecret(a: string, b: string): boolean {
  const digestA = createHash('sha256').update(a).digest();
  const digestB = createHash('sha256').update(b).digest();
  return timingSafeEqual(digestA, digestB);
}
