import { parse as parseCookies } from 'cookie';
import type { RequestHandler } from 'express';
import { isCsrfTokenFor } from '@arasul/service-kit';
import { CsrfError } from '../errors';
import { stateOf } from '../request-state';

export const REFRESH_COOKIE = 'arasul_refresh';
export const CSRF_COOKIE = 'arasul_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Double-submit check for cookie-authenticated requests: the browser sends the httpOnly refresh cookie by
 * itself, so an unsafe request carrying it must also prove it can read the `arasul_csrf` cookie (which only
 * our own origin can), and the token must be the HMAC of that very refresh token (service-kit csrf.ts), so a
 * planted cookie+header pair does not pass. Clients that authenticated with a Bearer token or an API key are exempt: a
 * cross-site page cannot make a browser send those.
 */
export function csrfProtection(jwtSecret: string): RequestHandler {
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
    const refreshToken = cookies[REFRESH_COOKIE];
    if (refreshToken === undefined) {
      next();
      return;
    }
    // The header must carry the token bound to this refresh cookie (readable only via our `arasul_csrf` cookie).
    const given = req.headers[CSRF_HEADER];
    if (typeof given !== 'string' || !isCsrfTokenFor(given, refreshToken, jwtSecret)) throw new CsrfError();
    next();
  };
}
