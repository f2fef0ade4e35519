import { LRUCache } from 'lru-cache';
import { UnauthorizedError, verifyAccessToken, type Identity } from '@arasul/service-kit';
import type { SignedIdentityHolder } from './identity-signer';
import type { RevocationStore } from './revocation-store';

interface VerifiedToken extends SignedIdentityHolder {
  jti: string;
  expiresAtMs: number;
}

/**
 * Verifies access JWTs locally (HS256 with JWT_SECRET). A verified token is remembered by its exact text
 * until it expires, so a busy client costs one HMAC per token, not per request. Revocation is checked on
 * every request, cached or not.
 */
export class AccessTokenVerifier {
  private readonly verified = new LRUCache<string, VerifiedToken>({ max: 10_000 });

  constructor(
    private readonly jwtSecret: string,
    private readonly revocations: RevocationStore,
  ) {}

  verify(token: string, now = Date.now()): VerifiedToken {
    let entry = this.verified.get(token);
    if (entry === undefined || entry.expiresAtMs <= now) {
      entry = this.verifyFresh(token);
      this.verified.set(token, entry);
    }
    if (this.revocations.isSessionRevoked(entry.jti)) {
      throw new UnauthorizedError('This session has been signed out.');
    }
    return entry;
  }

  private verifyFresh(token: string): VerifiedToken {
    let claims;
    try {
      claims = verifyAccessToken(token, this.jwtSecret);
    } catch (error) {
      const expired = (error as { name?: unknown }).name === 'TokenExpiredError';
      throw new UnauthorizedError(
        expired ? 'The access token has expired.' : 'The access token is not valid.',
      );
    }
    const identity: Identity = {
      userId: Number(claims.sub),
      username: claims.username,
      role: claims.role,
      authType: 'jwt',
      scopes: [],
      sessionJti: claims.jti,
      sessionId: claims.sid,
    };
    return { identity, jti: claims.jti, expiresAtMs: claims.exp * 1000 };
  }
}
