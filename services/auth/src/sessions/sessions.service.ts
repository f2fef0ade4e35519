import type { Kysely } from 'kysely';
import type { SessionDto, SessionUser } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { type Identity, csrfTokenFor, signAccessToken, userRoleAtLeast } from '@arasul/service-kit';
import type { AuditService } from '../audit/audit.service';
import type { RequestMeta } from '../shared/request-meta';
import { type RevocationPublisher, sessionRevocations } from '../shared/revocations';
import { randomToken, sha256Hex } from '../shared/tokens';
import {
  InvalidRefreshTokenError,
  RefreshTokenReusedError,
  SessionExpiredError,
  SessionNotFoundError,
} from './sessions.errors';
import { type RevokedToken, type SessionRow, sessionsRepository as repo } from './sessions.repository';

export interface SessionPolicy {
  accessTokenTtlSeconds: number;
  idleTimeoutSeconds: number;
  absoluteTimeoutSeconds: number;
}

export type { RevokedToken, SessionUser };

/** What a login, setup or refresh hands out. The router turns the secrets into cookies. */
export interface IssuedSession {
  sessionId: number;
  accessToken: string;
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  csrfToken: string;
  /** Seconds until the session's absolute end: the refresh cookie's Max-Age. */
  refreshMaxAgeSeconds: number;
  user: SessionUser;
}

export type { SessionDto };

type RefreshOutcome =
  | { kind: 'ok'; session: IssuedSession }
  | { kind: 'invalid' }
  | { kind: 'expired' }
  | { kind: 'reused'; revoked: RevokedToken[] };

const minDate = (a: Date, b: Date): Date => (a < b ? a : b);
const addSeconds = (date: Date, seconds: number): Date => new Date(date.getTime() + seconds * 1000);

/**
 * Sessions: one per login. A session hands out short-lived access tokens (JWT) and one refresh token at a
 * time; every refresh rotates the refresh token. It ends when idle too long, at its absolute lifetime, or
 * when revoked, which blacklists every access token it issued that is still valid and tells the gateways.
 */
export class SessionsService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: SessionPolicy,
    private readonly jwtSecret: string,
    private readonly revocations: RevocationPublisher,
    private readonly audit: AuditService,
  ) {}

  /** Starts a session for a successful login or setup; runs inside the caller's transaction. */
  async start(trx: Kysely<Database>, user: SessionUser, meta: RequestMeta): Promise<IssuedSession> {
    const now = new Date();
    const absoluteExpiresAt = addSeconds(now, this.policy.absoluteTimeoutSeconds);
    const sessionId = await repo.nextSessionId(trx);
    const access = this.signAccess(user, sessionId, absoluteExpiresAt, now);
    await repo.insertSession(trx, {
      id: sessionId,
      userId: user.id,
      tokenJti: access.jti,
      ip: meta.ip,
      userAgent: meta.userAgent,
      expiresAt: minDate(addSeconds(now, this.policy.idleTimeoutSeconds), absoluteExpiresAt),
      absoluteExpiresAt,
    });
    await repo.insertAccessToken(trx, { jti: access.jti, sessionId, expiresAt: access.expiresAt });
    const refreshToken = randomToken();
    await repo.insertRefreshToken(trx, sessionId, sha256Hex(refreshToken));
    return this.issued(user, sessionId, access, refreshToken, absoluteExpiresAt, now);
  }

  /**
   * Exchanges a refresh token for a new access token and a new refresh token. A token that was already
   * exchanged is evidence of theft: the whole session is revoked and the caller gets `refresh_reused`.
   */
  async refresh(refreshToken: string, meta: RequestMeta): Promise<IssuedSession> {
    const outcome = await this.db.transaction().execute(async (trx): Promise<RefreshOutcome> => {
      const row = await repo.findRefreshTokenForUpdate(trx, sha256Hex(refreshToken));
      if (row?.revoked_at !== null || !row.is_active) return { kind: 'invalid' };
      if (row.rotated_at !== null) {
        const revoked = await this.revokeInTransaction(trx, { sessionId: row.id }, 'refresh_reused');
        await this.audit.record(
          {
            userId: row.user_id,
            action: 'auth.refresh.reused',
            status: 'failure',
            resource: { type: 'session', id: row.id },
            meta,
            details: { sessionId: row.id, revokedTokens: revoked.length },
          },
          trx,
        );
        return { kind: 'reused', revoked };
      }
      const now = new Date();
      // Rows from before migration 030 have no absolute end: their idle expiry is the only limit.
      const absoluteExpiresAt = row.absolute_expires_at ?? row.expires_at;
      if (row.expires_at <= now || absoluteExpiresAt <= now) return { kind: 'expired' };

      await repo.markRotated(trx, row.token_id);
      const user: SessionUser = { id: row.user_id, username: row.username, role: row.role };
      const access = this.signAccess(user, row.id, absoluteExpiresAt, now);
      await repo.insertAccessToken(trx, { jti: access.jti, sessionId: row.id, expiresAt: access.expiresAt });
      const next = randomToken();
      await repo.insertRefreshToken(trx, row.id, sha256Hex(next));
      await repo.touchSession(trx, row.id, {
        tokenJti: access.jti,
        expiresAt: minDate(addSeconds(now, this.policy.idleTimeoutSeconds), absoluteExpiresAt),
      });
      return { kind: 'ok', session: this.issued(user, row.id, access, next, absoluteExpiresAt, now) };
    });

    switch (outcome.kind) {
      case 'ok':
        return outcome.session;
      case 'reused':
        await this.publish(outcome.revoked);
        throw new RefreshTokenReusedError();
      case 'expired':
        throw new SessionExpiredError();
      case 'invalid':
        throw new InvalidRefreshTokenError();
    }
  }

  /** The session a refresh cookie belongs to (even a rotated one), for logout without an access token. */
  sessionForRefreshToken(refreshToken: string): Promise<number | undefined> {
    return repo.sessionIdForRefreshToken(this.db, sha256Hex(refreshToken));
  }

  /**
   * Revokes sessions inside the caller's transaction: marks them, blacklists every still-valid access token
   * they issued. Call `publish` with the result after the commit.
   */
  async revokeInTransaction(
    trx: Kysely<Database>,
    target: { sessionId: number } | { userId: number; exceptSessionId?: number | undefined },
    reason: string,
  ): Promise<RevokedToken[]> {
    const sessionIds = await repo.revokeSessions(trx, target, reason);
    const tokens = await repo.unexpiredAccessTokens(trx, sessionIds);
    await repo.blacklist(trx, tokens);
    return tokens;
  }

  /** Tells every gateway at once; Postgres already holds the revocation. */
  publish(tokens: readonly RevokedToken[]): Promise<void> {
    return this.revocations.publish(sessionRevocations(tokens));
  }

  /** Revokes in its own transaction and publishes; returns how many access tokens were blacklisted. */
  async revoke(
    target: { sessionId: number } | { userId: number; exceptSessionId?: number | undefined },
    reason: string,
    audit?: Parameters<AuditService['record']>[0],
  ): Promise<number> {
    const tokens = await this.db.transaction().execute(async (trx) => {
      const revoked = await this.revokeInTransaction(trx, target, reason);
      if (audit) await this.audit.record(audit, trx);
      return revoked;
    });
    await this.publish(tokens);
    return tokens.length;
  }

  async list(userId: number, currentSessionId: number | undefined): Promise<SessionDto[]> {
    const rows = await repo.listLiveSessions(this.db, userId);
    return rows.map((row) => toDto(row, currentSessionId));
  }

  /** Ends one session: the caller's own, or anyone's for an admin. Others' sessions look like missing ones. */
  async terminate(sessionId: number, identity: Identity, meta: RequestMeta): Promise<void> {
    const session = await repo.findSession(this.db, sessionId);
    if (!session || (session.user_id !== identity.userId && !userRoleAtLeast(identity, 'admin'))) {
      throw new SessionNotFoundError();
    }
    await this.revoke(
      { sessionId },
      session.user_id === identity.userId ? 'terminated' : 'terminated_by_admin',
      {
        userId: identity.userId,
        action: 'auth.session.revoked',
        status: 'success',
        resource: { type: 'session', id: sessionId },
        meta,
        details: { sessionUserId: session.user_id },
      },
    );
  }

  /** The user a session belongs to. */
  async ownerOf(sessionId: number): Promise<number | undefined> {
    const session = await repo.findSession(this.db, sessionId);
    return session?.user_id;
  }

  /** Whether a session can still be used (not revoked, not expired). */
  async isLive(sessionId: number): Promise<boolean> {
    const session = await repo.findSession(this.db, sessionId);
    const now = new Date();
    return (
      !!session &&
      session.revoked_at === null &&
      session.expires_at > now &&
      (session.absolute_expires_at === null || session.absolute_expires_at > now)
    );
  }

  /** Every blacklisted access token not yet expired, for the gateway's revocation poll. */
  async blacklistedTokens(): Promise<{ jti: string; expiresAt: string }[]> {
    const rows = await repo.unexpiredBlacklist(this.db, 50_000);
    return rows.map((r) => ({ jti: r.token_jti, expiresAt: r.expires_at.toISOString() }));
  }

  /** An access token never outlives its session's absolute lifetime. */
  private signAccess(user: SessionUser, sessionId: number, absoluteExpiresAt: Date, now: Date) {
    const remaining = Math.floor((absoluteExpiresAt.getTime() - now.getTime()) / 1000);
    const ttl = Math.max(1, Math.min(this.policy.accessTokenTtlSeconds, remaining));
    const signed = signAccessToken(
      { userId: user.id, username: user.username, role: user.role, sessionId },
      this.jwtSecret,
      ttl,
    );
    return { ...signed, ttl };
  }

  private issued(
    user: SessionUser,
    sessionId: number,
    access: { token: string; ttl: number },
    refreshToken: string,
    absoluteExpiresAt: Date,
    now: Date,
  ): IssuedSession {
    return {
      sessionId,
      accessToken: access.token,
      expiresIn: access.ttl,
      refreshToken,
      csrfToken: csrfTokenFor(refreshToken, this.jwtSecret),
      refreshMaxAgeSeconds: Math.max(0, Math.floor((absoluteExpiresAt.getTime() - now.getTime()) / 1000)),
      user,
    };
  }
}

function toDto(row: SessionRow, currentSessionId: number | undefined): SessionDto {
  return {
    id: row.id,
    current: row.id === currentSessionId,
    ipAddress: row.ip_address,
    userAgent: row.user_agent,
    createdAt: row.created_at.toISOString(),
    lastActivity: row.last_activity.toISOString(),
    expiresAt: row.expires_at.toISOString(),
    absoluteExpiresAt: (row.absolute_expires_at ?? row.expires_at).toISOString(),
  };
}
