import { createHmac } from 'node:crypto';
import { secretsEqual } from '../security/secrets';

/**
 * The CSRF token of a browser session: an HMAC of the session's refresh token under a key derived from
 * JWT_SECRET (auth issues it, the gateway checks it). A cookie+header pair an attacker plants cannot match
 * the victim's own refresh cookie, so double-submit alone no longer suffices.
 */
export function csrfTokenFor(refreshToken: string, jwtSecret: string): string {
  const key = createHmac('sha256', jwtSecret).update('arasul-csrf-v1').digest();
  return createHmac('sha256', key).update(refreshToken, 'utf8').digest('base64url');
}

export function isCsrfTokenFor(given: string, refreshToken: string, jwtSecret: string): boolean {
  return secretsEqual(given, csrfTokenFor(refreshToken, jwtSecret));
}
