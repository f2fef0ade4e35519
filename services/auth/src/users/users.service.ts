import type { Kysely } from 'kysely';
import type { UserDto } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { ROLES, type Identity, type Role } from '@arasul/service-kit';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { AuditService } from '../audit/audit.service';
import type { LockoutService } from '../lockout/lockout.service';
import type { RevokedToken } from '../sessions/sessions.service';
import type { SessionsService } from '../sessions/sessions.service';
import type { PasswordHasher } from '../shared/password-hasher';
import type { RequestMeta } from '../shared/request-meta';
import { PASSWORD_HISTORY_DEPTH, assertNotReused, assertPasswordRules } from './password-policy';
import {
  InvalidCurrentPasswordError,
  LastAdminError,
  UserNotFoundError,
  UsernameTakenError,
} from './users.errors';
import { type UserRow, usersRepository as repo } from './users.repository';

export type { UserDto };

export interface CreateUserInput {
  username: string;
  password: string;
  role: Role;
  email?: string | null | undefined;
}

export interface UpdateUserInput {
  role?: Role | undefined;
  isActive?: boolean | undefined;
  email?: string | null | undefined;
}

export function toUserDto(row: UserRow, now = new Date()): UserDto {
  return {
    id: row.id,
    username: row.username,
    email: row.email,
    role: row.role,
    isActive: row.is_active,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    lastLogin: row.last_login?.toISOString() ?? null,
    lockedUntil: row.locked_until && row.locked_until > now ? row.locked_until.toISOString() : null,
    failedLoginAttempts: row.login_attempts,
  };
}

/**
 * User administration and passwords. Changes that could leave the platform without an active administrator
 * run under one advisory lock and are refused with `last_admin`. Deactivating or deleting a user revokes
 * their sessions and API keys in the same transaction; the gateways are told after the commit.
 */
export class UsersService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly apiKeys: ApiKeysService,
    private readonly lockout: LockoutService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<UserDto[]> {
    const rows = await repo.list(this.db);
    return rows.map((row) => toUserDto(row));
  }

  async get(id: number): Promise<UserDto> {
    const row = await repo.findById(this.db, id);
    if (!row) throw new UserNotFoundError();
    return toUserDto(row);
  }

  async create(input: CreateUserInput, actor: Identity, meta: RequestMeta): Promise<UserDto> {
    assertPasswordRules(input.password, input.username);
    if (await repo.usernameTaken(this.db, input.username)) throw new UsernameTakenError();
    const passwordHash = await this.hasher.hash(input.password);
    const row = await this.db.transaction().execute(async (trx) => {
      const created = await repo.insert(trx, {
        username: input.username,
        passwordHash,
        email: input.email ?? null,
        role: input.role,
      });
      if (!created) throw new UsernameTakenError();
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'user.created',
          status: 'success',
          resource: { type: 'user', id: created.id },
          meta,
          details: { username: created.username, role: created.role },
        },
        trx,
      );
      return created;
    });
    return toUserDto(row);
  }

  async update(id: number, patch: UpdateUserInput, actor: Identity, meta: RequestMeta): Promise<UserDto> {
    const result = await this.db.transaction().execute(async (trx) => {
      await repo.lockAdmins(trx);
      const before = await repo.findById(trx, id);
      if (!before) throw new UserNotFoundError();
      const losesAdmin =
        before.role === 'admin' &&
        before.is_active &&
        ((patch.role !== undefined && patch.role !== 'admin') || patch.isActive === false);
      if (losesAdmin && (await repo.countActiveAdmins(trx)) <= 1) throw new LastAdminError();

      const after = await repo.update(trx, id, {
        role: patch.role,
        is_active: patch.isActive,
        email: patch.email,
      });
      if (!after) throw new UserNotFoundError();
      const roleChanged = after.role !== before.role;
      const deactivated = before.is_active && !after.is_active;
      // A new role must not live on in tokens signed with the old one; a deactivated user keeps nothing.
      const tokens =
        roleChanged || deactivated
          ? await this.sessions.revokeInTransaction(
              trx,
              { userId: id },
              deactivated ? 'user_deactivated' : 'role_changed',
            )
          : [];
      // A key never acts with its creator's role, but it was created with the old one's trust: a demoted
      // or deactivated user's keys end with that trust.
      const demoted = ROLES.indexOf(after.role) < ROLES.indexOf(before.role);
      const keyIds =
        deactivated || demoted ? await this.apiKeys.revokeForCreatorInTransaction(trx, id, actor.userId) : [];
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'user.updated',
          status: 'success',
          resource: { type: 'user', id },
          meta,
          details: {
            username: after.username,
            changes: changes(before, after),
            revokedSessionTokens: tokens.length,
            revokedApiKeys: keyIds.length,
          },
        },
        trx,
      );
      return { after, tokens, keyIds };
    });
    await this.publish(result.tokens, result.keyIds);
    return toUserDto(result.after);
  }

  async remove(id: number, actor: Identity, meta: RequestMeta): Promise<void> {
    const result = await this.db.transaction().execute(async (trx) => {
      await repo.lockAdmins(trx);
      const user = await repo.findById(trx, id);
      if (!user) throw new UserNotFoundError();
      if (user.role === 'admin' && user.is_active && (await repo.countActiveAdmins(trx)) <= 1) {
        throw new LastAdminError();
      }
      const tokens = await this.sessions.revokeInTransaction(trx, { userId: id }, 'user_deleted');
      const keyIds = await this.apiKeys.revokeForCreatorInTransaction(trx, id, actor.userId);
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'user.deleted',
          status: 'success',
          resource: { type: 'user', id },
          meta,
          details: { username: user.username, role: user.role, revokedApiKeys: keyIds.length },
        },
        trx,
      );
      await repo.delete(trx, id);
      return { tokens, keyIds };
    });
    await this.publish(result.tokens, result.keyIds);
  }

  /** Ends the account lock and every IP lock of the user now, and resets the failure counters. */
  async unlock(id: number, actor: Identity, meta: RequestMeta): Promise<UserDto> {
    const row = await this.db.transaction().execute(async (trx) => {
      const user = await repo.findById(trx, id);
      if (!user) throw new UserNotFoundError();
      await repo.setLockedUntil(trx, id, null);
      const released = await this.lockout.release(trx, user.username, actor.userId);
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'user.unlocked',
          status: 'success',
          resource: { type: 'user', id },
          meta,
          details: { username: user.username, releasedLocks: released },
        },
        trx,
      );
      return repo.findById(trx, id);
    });
    if (!row) throw new UserNotFoundError();
    return toUserDto(row);
  }

  /** The signed-in user changes their password; every other session of theirs ends. */
  async changePassword(
    identity: Identity,
    input: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<void> {
    const user = await repo.findById(this.db, identity.userId);
    if (!user) throw new UserNotFoundError();
    if (!(await this.hasher.verify(user.password_hash, input.currentPassword))) {
      await this.audit.record({
        userId: user.id,
        action: 'auth.password.changed',
        status: 'failure',
        resource: { type: 'user', id: user.id },
        meta,
        details: { reason: 'invalid_current_password' },
      });
      throw new InvalidCurrentPasswordError();
    }
    await this.setPassword(user, input.newPassword, {
      changedBy: user.username,
      meta,
      keepSessionId: identity.sessionId,
      audit: { userId: user.id, action: 'auth.password.changed' },
    });
  }

  /**
   * The operator's way back in (`scripts/arasul reset-password`): sets a new password under the same policy,
   * ends every session, and lifts any lockout.
   */
  async resetPassword(username: string, newPassword: string, via: string): Promise<UserDto> {
    const user = await repo.findByUsername(this.db, username);
    if (!user) throw new UserNotFoundError();
    await this.setPassword(user, newPassword, {
      changedBy: null,
      meta: null,
      keepSessionId: undefined,
      audit: { userId: null, action: 'auth.password.reset', details: { via } },
      unlock: true,
    });
    return this.get(user.id);
  }

  private async setPassword(
    user: UserRow,
    newPassword: string,
    options: {
      changedBy: string | null;
      meta: RequestMeta | null;
      keepSessionId: number | undefined;
      audit: {
        userId: number | null;
        action: 'auth.password.changed' | 'auth.password.reset';
        details?: Record<string, unknown>;
      };
      unlock?: boolean;
    },
  ): Promise<void> {
    assertPasswordRules(newPassword, user.username);
    const history = await repo.recentPasswordHashes(this.db, user.id, PASSWORD_HISTORY_DEPTH - 1);
    await assertNotReused(this.hasher, newPassword, [user.password_hash, ...history]);
    const passwordHash = await this.hasher.hash(newPassword);

    const tokens = await this.db.transaction().execute(async (trx) => {
      await repo.addPasswordHistory(trx, {
        userId: user.id,
        passwordHash: user.password_hash,
        changedBy: options.changedBy,
        ip: options.meta?.ip ?? null,
      });
      await repo.setPasswordHash(trx, user.id, passwordHash);
      if (options.unlock) {
        await repo.setLockedUntil(trx, user.id, null);
        await this.lockout.release(trx, user.username, null);
      }
      const revoked = await this.sessions.revokeInTransaction(
        trx,
        { userId: user.id, exceptSessionId: options.keepSessionId },
        'password_changed',
      );
      await this.audit.record(
        {
          userId: options.audit.userId,
          action: options.audit.action,
          status: 'success',
          resource: { type: 'user', id: user.id },
          meta: options.meta,
          details: {
            username: user.username,
            revokedSessionTokens: revoked.length,
            ...options.audit.details,
          },
        },
        trx,
      );
      return revoked;
    });
    await this.sessions.publish(tokens);
  }

  private async publish(tokens: readonly RevokedToken[], keyIds: readonly number[]): Promise<void> {
    await Promise.all([this.sessions.publish(tokens), this.apiKeys.publish(keyIds)]);
  }
}

function changes(before: UserRow, after: UserRow): Record<string, { from: unknown; to: unknown }> {
  const result: Record<string, { from: unknown; to: unknown }> = {};
  if (before.role !== after.role) result.role = { from: before.role, to: after.role };
  if (before.is_active !== after.is_active) result.isActive = { from: before.is_active, to: after.is_active };
  if (before.email !== after.email) result.email = { from: before.email, to: after.email };
  return result;
}
