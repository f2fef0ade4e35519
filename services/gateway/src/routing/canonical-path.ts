import type { Request } from 'express';
import { ValidationError } from '@arasul/service-kit';

export class InvalidPathError extends ValidationError {
  constructor(reason: string) {
    super(`The request path is not acceptable: ${reason}.`, undefined, 'invalid_path');
  }
}

/** RFC 3986 unreserved characters: percent-encoding them means nothing, so they are decoded. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;
const PERCENT = /%([0-9A-Fa-f]{2})/g;

/**
 * The one path a request is about, decided once before anything else looks at it. Routing, the route
 * table, API key endpoint checks, the anonymous and login routes, the audit row and the upstream all see
 * this path and nothing else.
 *
 * Encoded unreserved characters are decoded (`/%61pi` is `/api`) and the remaining escapes upper-cased;
 * a path that could mean something else to the next hop is refused: dot segments (raw or encoded),
 * encoded `/` or `\` inside a segment, backslashes, empty segments, NUL and other control characters,
 * broken escapes. Refusing instead of normalising keeps the audit log honest about what the client sent.
 */
export function canonicalPath(rawPath: string): string {
  if (!rawPath.startsWith('/')) throw new InvalidPathError('it must start with /');
  if (rawPath.includes('\\')) throw new InvalidPathError('backslashes are not allowed');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(rawPath)) throw new InvalidPathError('control characters are not allowed');
  if (/%(?![0-9A-Fa-f]{2})/.test(rawPath)) throw new InvalidPathError('a percent escape is broken');
  const segments = rawPath.slice(1).split('/');
  const canonical = segments.map((segment, index) => {
    const decoded = segment.replace(PERCENT, (escape, hex: string) => {
      const char = String.fromCharCode(parseInt(hex, 16));
      if (char === '/' || char === '\\') throw new InvalidPathError('an encoded slash is not allowed');
      if (char === '\u0000') throw new InvalidPathError('an encoded NUL is not allowed');
      return UNRESERVED.test(char) ? char : escape.toUpperCase();
    });
    if (decoded === '.' || decoded === '..') throw new InvalidPathError('dot segments are not allowed');
    // Only the last segment may be empty (a trailing slash); `//` elsewhere means different things to different routers.
    if (decoded === '' && index !== segments.length - 1 && segments.length > 1)
      throw new InvalidPathError('empty path segments are not allowed');
    return decoded;
  });
  return `/${canonical.join('/')}`;
}

/** Splits `req.url` into its path and its query (with the `?`), without interpreting either. */
export function splitUrl(url: string): { path: string; query: string } {
  const mark = url.indexOf('?');
  return mark === -1 ? { path: url, query: '' } : { path: url.slice(0, mark), query: url.slice(mark) };
}

/**
 * Decides the canonical path of a request once, before anything else looks at it: `req.url` is rewritten
 * to it, so Express's `req.path` and the proxy (which forwards `req.url`) agree with every check in between.
 * Returns the refusal instead of throwing it, so the caller can answer it after the audit trail has started.
 */
export function applyCanonicalPath(req: Request): InvalidPathError | undefined {
  const { path, query } = splitUrl(req.url);
  try {
    const canonical = canonicalPath(path);
    if (canonical !== path) req.url = `${canonical}${query}`;
    return undefined;
  } catch (error) {
    if (error instanceof InvalidPathError) return error;
    throw error;
  }
}
