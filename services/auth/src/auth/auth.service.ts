import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import { type Identity, type Logger, errorMeta } from '@arasul/service-kit';
import type { AuditService } from '../audit/audit.service';
import type { ActiveLock, LockoutService, LoginSubject } from '../lockout/lockout.service';
import { loginAttempts } from '../lockout/lockout.port';
import type { IssuedSession, SessionsService } from '../sessions/sessions.service';
import { SessionRevokedError } from '../sessions/sessions.errors';
import type { PasswordHasher } from '../shared/password-hasher';
import type { RequestMeta } from '../shared/request-meta';
import { assertPasswordRules } from '../users/password-policy';
import { NotAUserSessionError, UserNotFoundError } from '../users/users.errors';
import { type UserRow, userAccounts } from '../users/users.port';
import { toUserDto, type UserDto } from '../users/users.service';
import { KeyedMutex } from '../shared/keyed-mutex';
import {
  AccountLockedError,
  AuthBusyError,
  InvalidCredentialsError,
  LoginLockedError,
  SetupDoneError,
} from './auth.errors';

/** Attempts on one username allowed to wait for the one in progress; more get 503 auth_busy at once. */
const MAX_PENDING_ATTEMPTS_PER_USERNAME = 16;

const retryAfter = (lock: ActiveLock): number => (lock.lockedUntil.getTime() - Date.now()) / 1000;

function lockedError(lock: ActiveLock): Error {
  return lock.tier === 'account'
    ? new AccountLockedError(retryAfter(lock))
    : new LoginLockedError(retryAfter(lock));
}

/** First-run setup, login and logout. Sessions and lockout rules live in their own services. */
export class AuthService {
  private readonly log: Logger;
  private readonly attempts = new KeyedMutex(MAX_PENDING_ATTEMPTS_PER_USERNAME, () => new AuthBusyError());

  constructor(
    private readonly db: Kysely<Database>,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'auth' });
  }

  async needsSetup(): Promise<boolean> {
    return !(await userAccounts.anyExists(this.db));
  }

  /**
   * Creates the first administrator and signs them in. Only while no user exists: a transaction-level
   * advisory lock makes two racing calls run one after the other, so exactly one succeeds.
   */
  async setup(
    input: { username: string; password: string; email?: string | null | undefined },
    meta: RequestMeta,
  ) {
    if (!(await this.needsSetup())) throw new SetupDoneError();
    assertPasswordRules(input.password, input.username);
    const passwordHash = await this.hasher.hash(input.password);
    return this.db.transaction().execute(async (trx) => {
      await userAccounts.lockSetup(trx);
      if (await userAccounts.anyExists(trx)) throw new SetupDoneError();
      const user = await userAccounts.insert(trx, {
        username: input.username,
        passwordHash,
        email: input.email ?? null,
        role: 'admin',
      });
      if (!user) throw new SetupDoneError();
      await loginAttempts.insertAttempt(trx, {
        username: user.username.toLowerCase(),
        ip: meta.ip,
        userAgent: meta.userAgent,
        outcome: 'success',
      });
      await userAccounts.recordLoginSuccess(trx, user.id);
      const session = await this.sessions.start(trx, user, meta);
      await this.audit.record(
        {
          userId: user.id,
          action: 'auth.setup',
          status: 'success',
          resource: { type: 'user', id: user.id },
          meta,
          details: { username: user.username },
        },
        trx,
      );
      return session;
    });
  }

  /**
   * Signs a user in. Unknown user, wrong password and deactivated account give the same 401 after the same
   * argon2 work; a lock (see LockoutService) gives 423 without checking the password at all, so a locked
   * attacker learns nothing even when they guess right. Attempts on one username run one at a time, so
   * each sees every earlier attempt's outcome when the lockout counts.
   */
  login(input: { username: string; password: string }, meta: RequestMeta): Promise<IssuedSession> {
    const username = input.username.toLowerCase();
    return this.attempts.run(username, async () => {
      const user = (await userAccounts.findByUsername(this.db, username)) ?? null;
      const subject: LoginSubject = { username, ip: meta.ip, userAgent: meta.userAgent, user };
      const lock = await this.lockout.check(subject);
      if (lock) throw lockedError(lock);

      const valid = await this.hasher.verify(user?.password_hash ?? null, input.password);
      if (valid && user?.is_active) return this.completeLogin(user, subject, input.password, meta);
      if (valid && user) {
        await this.lockout.inactive(subject);
        throw new InvalidCredentialsError();
      }
      const imposed = await this.lockout.fail(subject);
      throw imposed ? lockedError(imposed) : new InvalidCredentialsError();
    });
  }

  /** Ends the session named by the access token, or else by the refresh cookie. Idempotent. */
  async logout(
    identity: Identity | undefined,
    refreshToken: string | undefined,
    meta: RequestMeta,
  ): Promise<void> {
    if (identity?.authType === 'api_key') throw new NotAUserSessionError();
    const sessionId =
      identity?.sessionId ??
      (refreshToken === undefined ? undefined : await this.sessions.sessionForRefreshToken(refreshToken));
    if (sessionId === undefined) return;
    const owner = await this.sessions.ownerOf(sessionId);
    if (owner === undefined || (identity !== undefined && owner !== identity.userId)) return;
    await this.sessions.revoke({ sessionId }, 'logout', {
      userId: owner,
      action: 'auth.logout',
      status: 'success',
      resource: { type: 'session', id: sessionId },
      meta,
    });
  }

  /** Ends every session of the signed-in user, this one included. */
  async logoutAll(identity: Identity, meta: RequestMeta): Promise<number> {
    if (identity.authType !== 'jwt') throw new NotAUserSessionError();
    return this.sessions.revoke({ userId: identity.userId }, 'logout_all', {
      userId: identity.userId,
      action: 'auth.logout_all',
      status: 'success',
      resource: { type: 'user', id: identity.userId },
      meta,
    });
  }

  async me(identity: Identity): Promise<UserDto & { sessionId: number | null }> {
    if (identity.authType !== 'jwt') throw new NotAUserSessionError();
    if (identity.sessionId !== undefined && !(await this.sessions.isLive(identity.sessionId))) {
      throw new SessionRevokedError();
    }
    const user = await userAccounts.findById(this.db, identity.userId);
    if (!user) throw new UserNotFoundError();
    return { ...toUserDto(user), sessionId: identity.sessionId ?? null };
  }

  private async completeLogin(user: UserRow, subject: LoginSubject, password: string, meta: RequestMeta) {
    const session = await this.db.transaction().execute(async (trx) => {
      await this.lockout.succeed(trx, subject);
      await userAccounts.recordLoginSuccess(trx, user.id);
      const started = await this.sessions.start(trx, user, meta);
      await this.audit.record(
        {
          userId: user.id,
          action: 'auth.login.success',
          status: 'success',
          resource: { type: 'session', id: started.sessionId },
          meta,
          details: { username: user.username },
        },
        trx,
      );
      return started;
    });
    if (this.hasher.needsRehash(user.password_hash)) void this.upgradeHash(user.id, password);
    return session;
  }

  /** A hash made with older, weaker parameters is replaced while the plain password is at hand. */
  private async upgradeHash(userId: number, password: string): Promise<void> {
    await this.hasher
      .hash(password)
      .then((hash) => userAccounts.setPasswordHash(this.db, userId, hash))
      .catch((error: unknown) =>
        this.log.warn('password hash upgrade failed', { userId, ...errorMeta(error) }),
      );
  }
}
