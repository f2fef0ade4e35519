import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

export type AttemptOutcome = 'success' | 'invalid_credentials' | 'inactive' | 'ip_locked' | 'account_locked';
export type LockTier = 'ip' | 'account';

/** SQL of `login_attempts` and `login_lockouts`. Usernames here are always lower-cased. */
export const lockoutRepository = {
  /** Serialises the check-and-count of one username's attempts until the transaction ends. */
  async lockUsername(trx: Kysely<Database>, username: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(hashtext(${`auth.login:${username}`}))`.execute(trx);
  },

  async insertAttempt(
    db: Kysely<Database>,
    attempt: { username: string; ip: string | null; userAgent: string | null; outcome: AttemptOutcome },
  ): Promise<number> {
    const row = await db
      .insertInto('login_attempts')
      .values({
        username: attempt.username,
        ip_address: attempt.ip,
        user_agent: attempt.userAgent,
        success: attempt.outcome === 'success',
        outcome: attempt.outcome,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },

  /** Password failures since `since`, from one IP when given. */
  async countFailures(db: Kysely<Database>, username: string, since: Date, ip?: string): Promise<number> {
    let query = db
      .selectFrom('login_attempts')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('username', '=', username)
      .where('outcome', '=', 'invalid_credentials')
      .where('attempted_at', '>', since);
    if (ip !== undefined) query = query.where('ip_address', '=', ip);
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  },

  /** The newest lock of a tier (released or not): the active one if any, and where counting restarts. */
  latestLock(db: Kysely<Database>, username: string, tier: LockTier, ip?: string) {
    let query = db
      .selectFrom('login_lockouts')
      .select(['id', 'locked_at', 'locked_until', 'released_at', 'failed_attempts'])
      .where('username', '=', username)
      .where('tier', '=', tier);
    if (ip !== undefined) query = query.where('ip_address', '=', ip);
    return query.orderBy('locked_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  },

  insertLock(
    db: Kysely<Database>,
    lock: {
      username: string;
      ip: string | null;
      tier: LockTier;
      failedAttempts: number;
      lockedAt: Date;
      lockedUntil: Date;
    },
  ) {
    return db
      .insertInto('login_lockouts')
      .values({
        username: lock.username,
        ip_address: lock.ip,
        tier: lock.tier,
        failed_attempts: lock.failedAttempts,
        locked_at: lock.lockedAt,
        locked_until: lock.lockedUntil,
      })
      .returning(['id', 'locked_until'])
      .executeTakeFirstOrThrow();
  },

  /** Ends every active lock of a username early (administrator unlock). */
  async releaseLocks(db: Kysely<Database>, username: string, releasedBy: number | null): Promise<number> {
    const result = await db
      .updateTable('login_lockouts')
      .set({ released_at: sql`now()`, released_by: releasedBy })
      .where('username', '=', username)
      .where('released_at', 'is', null)
      .where('locked_until', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  },
};
