import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { AuditService } from '../audit/audit.service';
import type { EventPublisher } from '@arasul/service-kit';
import { userAccounts } from '../users/users.port';
import { type LockTier, lockoutRepository as repo } from './lockout.repository';

export interface LockoutPolicy {
  ipMaxFailures: number;
  ipWindowSeconds: number;
  ipLockSeconds: number;
  accountMaxFailures: number;
  accountWindowSeconds: number;
  accountLockSeconds: number;
}

/** One login attempt as the lockout sees it. */
export interface LoginSubject {
  /** Lower-cased username as typed; the account need not exist. */
  username: string;
  ip: string | null;
  userAgent: string | null;
  user: { id: number; username: string; last_login: Date | null; locked_until: Date | null } | null;
}

export interface ActiveLock {
  tier: LockTier;
  lockedUntil: Date;
}

interface Evaluation extends ActiveLock {
  imposed?: { failedAttempts: number };
}

const maxDate = (...dates: (Date | null | undefined)[]): Date =>
  new Date(Math.max(...dates.map((d) => (d ? d.getTime() : 0))));
const secondsAgo = (now: Date, seconds: number) => new Date(now.getTime() - seconds * 1000);
const secondsFrom = (now: Date, seconds: number) => new Date(now.getTime() + seconds * 1000);

/**
 * The two lockout tiers, designed so an attacker cannot lock the owner out cheaply:
 *
 * - IP tier: `ipMaxFailures` wrong passwords for one username from one IP within `ipWindowSeconds` lock that
 *   IP out of that username for `ipLockSeconds`. The owner elsewhere is not affected.
 * - Account tier: `accountMaxFailures` wrong passwords for one username from any IPs within
 *   `accountWindowSeconds` lock the account itself for `accountLockSeconds` (admin_users.locked_until).
 *
 * Only wrong passwords count, and only those after the account's last successful login and after the
 * newest lock of the tier (a lock consumes the failures that caused it). Attempts refused because a lock is
 * active are recorded but do not extend it. Unknown usernames lock exactly like real ones, so 423 vs 401
 * never tells whether an account exists.
 *
 * Races: the caller runs the attempts of one username one at a time (AuthService), and every check and
 * count here runs under a per-username advisory lock, so parallel guesses cannot slip past a threshold.
 */
export class LockoutService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: LockoutPolicy,
    private readonly audit: AuditService,
    private readonly events: EventPublisher,
  ) {}

  /** Before the password check: the lock in force (the attempt is recorded as refused), or null. */
  async check(subject: LoginSubject): Promise<ActiveLock | null> {
    const lock = await this.db.transaction().execute(async (trx) => {
      await repo.lockUsername(trx, subject.username);
      const found = await this.evaluate(trx, subject);
      if (found) {
        await repo.insertAttempt(trx, {
          username: subject.username,
          ip: subject.ip,
          userAgent: subject.userAgent,
          outcome: found.tier === 'account' ? 'account_locked' : 'ip_locked',
        });
      }
      return found;
    });
    if (!lock) return null;
    this.announce(subject, lock);
    return { tier: lock.tier, lockedUntil: lock.lockedUntil };
  }

  /** The password was right: records the success (inside the login transaction). */
  async succeed(trx: Kysely<Database>, subject: LoginSubject): Promise<void> {
    await repo.insertAttempt(trx, {
      username: subject.username,
      ip: subject.ip,
      userAgent: subject.userAgent,
      outcome: 'success',
    });
  }

  /** The password was right but the account is deactivated; this does not count towards a lockout. */
  async inactive(subject: LoginSubject): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await repo.insertAttempt(trx, {
        username: subject.username,
        ip: subject.ip,
        userAgent: subject.userAgent,
        outcome: 'inactive',
      });
      await this.audit.record(
        {
          userId: subject.user?.id ?? null,
          action: 'auth.login.failure',
          status: 'failure',
          resource: { type: 'user', id: subject.user?.id ?? null },
          meta: subject,
          details: { username: subject.username, reason: 'account_inactive' },
        },
        trx,
      );
    });
    this.events.emit('auth.login.failed', {
      username: subject.username,
      ip: subject.ip ?? 'unknown',
      reason: 'account_inactive',
    });
  }

  /** After a wrong password: records it, and returns the lock this failure triggered, if any. */
  async fail(subject: LoginSubject): Promise<ActiveLock | null> {
    const lock = await this.db.transaction().execute(async (trx) => {
      await repo.lockUsername(trx, subject.username);
      await repo.insertAttempt(trx, {
        username: subject.username,
        ip: subject.ip,
        userAgent: subject.userAgent,
        outcome: 'invalid_credentials',
      });
      if (subject.user) await userAccounts.incrementFailedLogins(trx, subject.user.id);
      await this.audit.record(
        {
          userId: subject.user?.id ?? null,
          action: 'auth.login.failure',
          status: 'failure',
          resource: { type: 'user', id: subject.user?.id ?? null },
          meta: subject,
          details: { username: subject.username, reason: 'invalid_credentials' },
        },
        trx,
      );
      return this.evaluate(trx, subject);
    });
    this.events.emit('auth.login.failed', {
      username: subject.username,
      ip: subject.ip ?? 'unknown',
      reason: 'invalid_credentials',
    });
    if (!lock) return null;
    this.announce(subject, lock);
    return { tier: lock.tier, lockedUntil: lock.lockedUntil };
  }

  /** Administrator unlock: ends the account lock and every IP lock of the account now. */
  async release(trx: Kysely<Database>, username: string, releasedBy: number | null): Promise<number> {
    return repo.releaseLocks(trx, username.toLowerCase(), releasedBy);
  }

  /** The lock in force for this attempt, imposing a new one when a threshold has been reached. */
  private async evaluate(trx: Kysely<Database>, subject: LoginSubject): Promise<Evaluation | null> {
    const now = new Date();
    const { policy } = this;
    const { username, ip, user } = subject;

    if (user?.locked_until && user.locked_until > now)
      return { tier: 'account', lockedUntil: user.locked_until };
    const accountLock = await repo.latestLock(trx, username, 'account');
    if (accountLock?.released_at === null && accountLock.locked_until > now) {
      return { tier: 'account', lockedUntil: accountLock.locked_until };
    }
    const ipLock = ip === null ? undefined : await repo.latestLock(trx, username, 'ip', ip);
    if (ipLock?.released_at === null && ipLock.locked_until > now) {
      return { tier: 'ip', lockedUntil: ipLock.locked_until };
    }

    const lastSuccess = user?.last_login ?? null;
    const accountSince = maxDate(
      secondsAgo(now, policy.accountWindowSeconds),
      lastSuccess,
      accountLock?.locked_at,
    );
    const accountFailures = await repo.countFailures(trx, username, accountSince);
    if (accountFailures >= policy.accountMaxFailures) {
      const lockedUntil = secondsFrom(now, policy.accountLockSeconds);
      await repo.insertLock(trx, {
        username,
        ip: null,
        tier: 'account',
        failedAttempts: accountFailures,
        lockedAt: now,
        lockedUntil,
      });
      if (user) await userAccounts.setLockedUntil(trx, user.id, lockedUntil);
      await this.audit.record(
        {
          userId: user?.id ?? null,
          action: 'auth.account.locked',
          status: 'failure',
          resource: { type: 'user', id: user?.id ?? null },
          meta: subject,
          details: {
            username,
            tier: 'account',
            failedAttempts: accountFailures,
            lockedUntil: lockedUntil.toISOString(),
          },
        },
        trx,
      );
      return { tier: 'account', lockedUntil, imposed: { failedAttempts: accountFailures } };
    }

    if (ip === null) return null;
    const ipSince = maxDate(
      secondsAgo(now, policy.ipWindowSeconds),
      lastSuccess,
      ipLock?.locked_at,
      accountLock?.locked_at,
    );
    const ipFailures = await repo.countFailures(trx, username, ipSince, ip);
    if (ipFailures >= policy.ipMaxFailures) {
      const lockedUntil = secondsFrom(now, policy.ipLockSeconds);
      await repo.insertLock(trx, {
        username,
        ip,
        tier: 'ip',
        failedAttempts: ipFailures,
        lockedAt: now,
        lockedUntil,
      });
      await this.audit.record(
        {
          userId: user?.id ?? null,
          action: 'auth.login.locked',
          status: 'failure',
          resource: { type: 'user', id: user?.id ?? null },
          meta: subject,
          details: {
            username,
            tier: 'ip',
            failedAttempts: ipFailures,
            lockedUntil: lockedUntil.toISOString(),
          },
        },
        trx,
      );
      return { tier: 'ip', lockedUntil, imposed: { failedAttempts: ipFailures } };
    }
    return null;
  }

  /** After commit: a newly locked real account is announced on the bus (telegram-notifier alerts on it). */
  private announce(subject: LoginSubject, lock: Evaluation): void {
    if (!lock.imposed || lock.tier !== 'account' || !subject.user) return;
    this.events.emit('auth.account.locked', {
      userId: subject.user.id,
      username: subject.user.username,
      lockedUntil: lock.lockedUntil.toISOString(),
      failedAttempts: lock.imposed.failedAttempts,
      ...(subject.ip ? { ip: subject.ip } : {}),
    });
  }
}
