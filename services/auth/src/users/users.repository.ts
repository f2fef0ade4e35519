import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';
import type { Role } from '@arasul/service-kit';

/** Advisory-lock keys (one namespace per purpose) that serialise checks no constraint can express. */
const LOCK_SETUP = 73_001;
const LOCK_ADMINS = 73_002;

const userColumns = [
  'id',
  'username',
  'email',
  'role',
  'password_hash',
  'is_active',
  'created_at',
  'updated_at',
  'last_login',
  'login_attempts',
  'locked_until',
] as const;

/** SQL of `admin_users` and `password_history`. */
export const usersRepository = {
  /** Holds until the transaction ends: first-run setup runs once even when two requests race. */
  async lockSetup(trx: Kysely<Database>): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_SETUP})`.execute(trx);
  },

  /** Holds until the transaction ends: changes that could remove the last admin run one at a time. */
  async lockAdmins(trx: Kysely<Database>): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${LOCK_ADMINS})`.execute(trx);
  },

  async anyExists(db: Kysely<Database>): Promise<boolean> {
    const row = await db.selectFrom('admin_users').select('id').limit(1).executeTakeFirst();
    return row !== undefined;
  },

  findById(db: Kysely<Database>, id: number) {
    return db.selectFrom('admin_users').select(userColumns).where('id', '=', id).executeTakeFirst();
  },

  /** Usernames are unique case-insensitively (seed index on lower(username)). */
  findByUsername(db: Kysely<Database>, username: string) {
    return db
      .selectFrom('admin_users')
      .select(userColumns)
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();
  },

  list(db: Kysely<Database>) {
    return db.selectFrom('admin_users').select(userColumns).orderBy('id').limit(1000).execute();
  },

  async usernameTaken(db: Kysely<Database>, username: string): Promise<boolean> {
    const row = await db
      .selectFrom('admin_users')
      .select('id')
      .where(sql<string>`lower(username)`, '=', username.toLowerCase())
      .executeTakeFirst();
    return row !== undefined;
  },

  insert(
    db: Kysely<Database>,
    user: { username: string; passwordHash: string; email: string | null; role: Role },
  ) {
    return (
      db
        .insertInto('admin_users')
        .values({
          username: user.username,
          password_hash: user.passwordHash,
          email: user.email,
          role: user.role,
        })
        // The unique index on lower(username) decides a race between two creations of one name.
        .onConflict((oc) => oc.doNothing())
        .returning(userColumns)
        .executeTakeFirst()
    );
  },

  update(
    db: Kysely<Database>,
    id: number,
    patch: { role?: Role | undefined; is_active?: boolean | undefined; email?: string | null | undefined },
  ) {
    return db
      .updateTable('admin_users')
      .set(patch)
      .where('id', '=', id)
      .returning(userColumns)
      .executeTakeFirst();
  },

  async delete(db: Kysely<Database>, id: number): Promise<boolean> {
    const result = await db.deleteFrom('admin_users').where('id', '=', id).executeTakeFirst();
    return result.numDeletedRows > 0n;
  },

  async countActiveAdmins(db: Kysely<Database>): Promise<number> {
    const row = await db
      .selectFrom('admin_users')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('role', '=', 'admin')
      .where('is_active', '=', true)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async recordLoginSuccess(db: Kysely<Database>, id: number): Promise<void> {
    await db
      .updateTable('admin_users')
      .set({ last_login: sql`now()`, login_attempts: 0 })
      .where('id', '=', id)
      .execute();
  },

  async incrementFailedLogins(db: Kysely<Database>, id: number): Promise<void> {
    await db
      .updateTable('admin_users')
      .set((eb) => ({ login_attempts: eb('login_attempts', '+', 1) }))
      .where('id', '=', id)
      .execute();
  },

  async setLockedUntil(db: Kysely<Database>, id: number, until: Date | null): Promise<void> {
    await db
      .updateTable('admin_users')
      .set(until === null ? { locked_until: null, login_attempts: 0 } : { locked_until: until })
      .where('id', '=', id)
      .execute();
  },

  async setPasswordHash(db: Kysely<Database>, id: number, passwordHash: string): Promise<void> {
    await db.updateTable('admin_users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
  },

  async addPasswordHistory(
    db: Kysely<Database>,
    entry: { userId: number; passwordHash: string; changedBy: string | null; ip: string | null },
  ): Promise<void> {
    await db
      .insertInto('password_history')
      .values({
        user_id: entry.userId,
        password_hash: entry.passwordHash,
        changed_by: entry.changedBy,
        ip_address: entry.ip,
      })
      .execute();
  },

  async recentPasswordHashes(db: Kysely<Database>, userId: number, limit: number): Promise<string[]> {
    const rows = await db
      .selectFrom('password_history')
      .select('password_hash')
      .where('user_id', '=', userId)
      .orderBy('changed_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.password_hash);
  },
};

export type UserRow = NonNullable<Awaited<ReturnType<typeof usersRepository.findById>>>;
