import { isIP } from 'node:net';
import type { Request } from 'express';

/** Who made a request, as far as audit and lockout need it. */
export interface RequestMeta {
  /** The client address (`req.ip`, which honours X-Forwarded-For from the trusted gateway), or null. */
  ip: string | null;
  userAgent: string | null;
}

const MAX_USER_AGENT = 500;

/** Normalises an address for storage in `inet`/varchar(45) columns: IPv4-mapped IPv6 becomes plain IPv4. */
export function normalizeIp(raw: string | undefined): string | null {
  if (!raw) return null;
  const ip = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
  return isIP(ip) === 0 ? null : ip;
}

export function requestMeta(req: Request): RequestMeta {
  const userAgent = req.get('user-agent');
  return {
    ip: normalizeIp(req.ip),
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT) : null,
  };
}
