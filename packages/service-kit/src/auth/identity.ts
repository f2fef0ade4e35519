import type { RequestHandler } from 'express';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ForbiddenError, UnauthorizedError } from '../errors';

import { API_SCOPES, ROLES, type ApiScope, type Role } from '@arasul/contracts/http/common';

// Roles and API-key scopes are part of the HTTP contract; re-exported here for the services' guards.
export { API_SCOPES, ROLES, type ApiScope, type Role };

/** Who is calling, as verified by the gateway: a signed-in user or an API key acting for its creator. */
export interface Identity {
  userId: number;
  username: string;
  role: Role;
  authType: 'jwt' | 'api_key';
  /** API keys only. */
  scopes: ApiScope[];
  apiKeyId?: number;
  /** The access token's `jti` (user sessions only), so a service can name the session. */
  sessionJti?: string;
  sessionId?: number;
}

/** The header the gateway sets after stripping any client-sent copy. It carries a short-lived JWT signed
 * with the internal secret, so a client cannot forge it and a service need not trust the network. */
export const IDENTITY_HEADER = 'x-arasul-identity';
const INTERNAL_ISSUER = 'arasul-gateway';
const INTERNAL_AUDIENCE = 'arasul-internal';

const identitySchema = z.object({
  userId: z.number().int().positive(),
  username: z.string().min(1),
  role: z.enum(ROLES),
  authType: z.enum(['jwt', 'api_key']),
  scopes: z.array(z.enum(API_SCOPES)),
  apiKeyId: z.number().int().positive().optional(),
  sessionJti: z.string().optional(),
  sessionId: z.number().int().positive().optional(),
});

export function signIdentity(identity: Identity, internalSecret: string, ttlSeconds = 60): string {
  return jwt.sign({ idn: identity }, internalSecret, {
    algorithm: 'HS256',
    issuer: INTERNAL_ISSUER,
    audience: INTERNAL_AUDIENCE,
    expiresIn: ttlSeconds,
  });
}

export function verifyIdentity(token: string, internalSecret: string, nowMs = Date.now()): Identity {
  return verifyClaims(token, internalSecret, nowMs).identity;
}

function verifyClaims(
  token: string,
  internalSecret: string,
  nowMs: number,
): { identity: Identity; exp: number | undefined } {
  const decoded = jwt.verify(token, internalSecret, {
    algorithms: ['HS256'],
    issuer: INTERNAL_ISSUER,
    audience: INTERNAL_AUDIENCE,
    clockTimestamp: Math.floor(nowMs / 1000),
  });
  if (typeof decoded === 'string') throw new Error('identity token has no claims');
  const identity = identitySchema.parse((decoded as { idn?: unknown }).idn) as Identity;
  return { identity, exp: decoded.exp };
}

declare global {
  // Express's own extension point for request properties is this global namespace.
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by `identityMiddleware` when the gateway vouched for the caller. */
      identity?: Identity;
    }
  }
}

/** Verified identity tokens kept at most (the gateway reuses one per credential for half its lifetime). */
const VERIFIED_CACHE_SIZE = 1000;

/**
 * `verifyIdentity` with memory: a token that verified once is answered from a bounded map until its own
 * `exp` (checked against the clock on every use, as jsonwebtoken does: expired at `now >= exp`). The
 * gateway sends the same signed header for up to 30 s per credential, and HMAC + claim parsing cost more
 * than the rest of a service's request path. Only verified tokens are kept: a bad one is checked again
 * every time. The cached result is exactly what verifying the same string again would give, since the
 * token carries no other time claim.
 */
export class IdentityVerifier {
  private readonly verified = new Map<string, { identity: Identity; expiresAtMs: number }>();

  constructor(
    private readonly internalSecret: string,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = VERIFIED_CACHE_SIZE,
  ) {}

  verify(token: string): Identity {
    const nowMs = this.now();
    const hit = this.verified.get(token);
    if (hit !== undefined) {
      if (nowMs < hit.expiresAtMs) return hit.identity;
      this.verified.delete(token);
    }
    const { identity, exp } = verifyClaims(token, this.internalSecret, nowMs);
    if (exp !== undefined) {
      // Shared by every request that presents this token: nobody may change it for the others.
      Object.freeze(identity.scopes);
      Object.freeze(identity);
      // Oldest first out (a Map iterates in insertion order); the map never exceeds its bound.
      if (this.verified.size >= this.maxEntries) {
        const oldest = this.verified.keys().next();
        if (oldest.done !== true) this.verified.delete(oldest.value);
      }
      this.verified.set(token, { identity, expiresAtMs: exp * 1000 });
    }
    return identity;
  }

  get size(): number {
    return this.verified.size;
  }
}

/**
 * Defence in depth for every service behind the gateway: only an identity the gateway signed counts.
 * A request without one is anonymous; one with a bad signature is refused outright.
 */
export function identityMiddleware(
  internalSecret: string,
  verifier = new IdentityVerifier(internalSecret),
): RequestHandler {
  return (req, _res, next) => {
    const token = req.get(IDENTITY_HEADER);
    if (!token) {
      next();
      return;
    }
    try {
      req.identity = verifier.verify(token);
    } catch {
      next(new UnauthorizedError('The forwarded identity is not valid.', 'invalid_identity'));
      return;
    }
    next();
  };
}

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(minimum);
}

/**
 * Whether a *signed-in user* holds at least `minimum`. API keys never act with their creator's role: a key
 * works within its scopes on its creator's own resources, so every check that opens other users' data to a
 * role goes through here and answers false for a key.
 */
export function userRoleAtLeast(identity: Identity | null | undefined, minimum: Role): boolean {
  return identity?.authType === 'jwt' && roleAtLeast(identity.role, minimum);
}

/**
 * Authorizes a route: a user needs at least `role`; an API key needs `scope` (and routes without a scope
 * are closed to keys). Viewer reads, operator operates, admin administers.
 */
export function authorize(requirement: { role: Role; scope?: ApiScope }): RequestHandler {
  return (req, _res, next) => {
    const identity = req.identity;
    if (!identity) {
      next(new UnauthorizedError());
      return;
    }
    if (identity.authType === 'api_key') {
      if (!requirement.scope || !identity.scopes.includes(requirement.scope)) {
        next(
          new ForbiddenError(
            requirement.scope
              ? `This API key lacks the scope "${requirement.scope}".`
              : 'API keys cannot use this endpoint.',
            'insufficient_scope',
          ),
        );
        return;
      }
      next();
      return;
    }
    if (!roleAtLeast(identity.role, requirement.role)) {
      next(new ForbiddenError(`This needs the ${requirement.role} role.`, 'insufficient_role'));
      return;
    }
    next();
  };
}

/** The identity of an authorized request; call only behind `authorize`. */
export function identityOf(req: { identity?: Identity }): Identity {
  if (!req.identity) throw new UnauthorizedError();
  return req.identity;
}
