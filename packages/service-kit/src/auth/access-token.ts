import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { ROLES, type Role } from './identity';

/** Access tokens the auth service issues and the gateway verifies: HS256, 15 minutes, one `jti` each. */
export const ACCESS_TOKEN_ISSUER = 'arasul-auth';
export const ACCESS_TOKEN_AUDIENCE = 'arasul';

export interface AccessTokenClaims {
  sub: string;
  username: string;
  role: Role;
  jti: string;
  /** `active_sessions.id` the token belongs to. */
  sid: number;
  exp: number;
  iat: number;
}

const claimsSchema = z.object({
  sub: z.string().regex(/^\d+$/),
  username: z.string(),
  role: z.enum(ROLES),
  jti: z.string().min(1),
  sid: z.number().int().positive(),
  exp: z.number(),
  iat: z.number(),
});

export function signAccessToken(
  input: { userId: number; username: string; role: Role; sessionId: number },
  secret: string,
  ttlSeconds: number,
): { token: string; jti: string; expiresAt: Date } {
  const jti = randomUUID();
  const token = jwt.sign({ username: input.username, role: input.role, sid: input.sessionId }, secret, {
    algorithm: 'HS256',
    issuer: ACCESS_TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
    subject: String(input.userId),
    jwtid: jti,
    expiresIn: ttlSeconds,
  });
  return { token, jti, expiresAt: new Date(Date.now() + ttlSeconds * 1000) };
}

/** Throws on a bad signature, wrong issuer/audience, expiry or a claim of the wrong shape. */
export function verifyAccessToken(token: string, secret: string): AccessTokenClaims {
  const decoded = jwt.verify(token, secret, {
    algorithms: ['HS256'],
    issuer: ACCESS_TOKEN_ISSUER,
    audience: ACCESS_TOKEN_AUDIENCE,
  });
  return claimsSchema.parse(decoded);
}
