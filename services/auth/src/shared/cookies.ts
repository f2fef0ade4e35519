import { parseCookie } from 'cookie';
import type { Request, Response } from 'express';

export const REFRESH_COOKIE = 'arasul_refresh';
export const CSRF_COOKIE = 'arasul_csrf';
/** The refresh cookie is only ever sent to the auth endpoints. */
export const REFRESH_COOKIE_PATH = '/api/auth';

export interface SessionCookies {
  refreshToken: string;
  csrfToken: string;
  /** The session's remaining absolute lifetime. */
  maxAgeSeconds: number;
}

/** Sets the refresh cookie (httpOnly) and the double-submit CSRF cookie (readable by the dashboard). */
export function setSessionCookies(res: Response, cookies: SessionCookies, secure: boolean): void {
  const maxAge = Math.max(0, Math.floor(cookies.maxAgeSeconds)) * 1000;
  res.cookie(REFRESH_COOKIE, cookies.refreshToken, {
    httpOnly: true,
    secure,
    sameSite: 'strict',
    path: REFRESH_COOKIE_PATH,
    maxAge,
  });
  res.cookie(CSRF_COOKIE, cookies.csrfToken, {
    httpOnly: false,
    secure,
    sameSite: 'strict',
    path: '/',
    maxAge,
  });
}

export function clearSessionCookies(res: Response, secure: boolean): void {
  res.clearCookie(REFRESH_COOKIE, { httpOnly: true, secure, sameSite: 'strict', path: REFRESH_COOKIE_PATH });
  res.clearCookie(CSRF_COOKIE, { httpOnly: false, secure, sameSite: 'strict', path: '/' });
}

export function readRefreshCookie(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  const value = parseCookie(header)[REFRESH_COOKIE];
  return value && value.length <= 200 ? value : undefined;
}
