import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

/** One bounded DELETE: at most `batch` rows per statement, so a long backlog never holds big locks. */
type BatchDelete = (db: Kysely<Database>, batch: number) => Promise<number>;

const deleted = (result: { numDeletedRows: bigint }): number => Number(result.numDeletedRows);

/** SQL of the auth service's retention: what it owns and how long it keeps it. */
export const retentionRepository = {
  loginAttemptsOlderThan(days: number): BatchDelete {
    return async (db, batch) =>
      deleted(
        await db
          .deleteFrom('login_attempts')
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('login_attempts')
              .select('id')
              .where('attempted_at', '<', sql<Date>`now() - make_interval(days => ${days})`)
              .limit(batch),
          )
          .executeTakeFirst(),
      );
  },

  lockoutsOlderThan(days: number): BatchDelete {
    return async (db, batch) =>
      deleted(
        await db
          .deleteFrom('login_lockouts')
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('login_lockouts')
              .select('id')
              .where('locked_until', '<', sql<Date>`now() - make_interval(days => ${days})`)
              .limit(batch),
          )
          .executeTakeFirst(),
      );
  },

  /** A blacklisted token that has expired is rejected by its `exp` anyway. */
  expiredBlacklist(): BatchDelete {
    return async (db, batch) =>
      deleted(
        await db
          .deleteFrom('token_blacklist')
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('token_blacklist')
              .select('id')
              .where('expires_at', '<', sql<Date>`now()`)
              .limit(batch),
          )
          .executeTakeFirst(),
      );
  },

  /**
   * Sessions that ended (expired or revoked) more than `graceHours` ago, with their refresh and access token
   * rows (cascade). The grace keeps a just-ended session visible to reuse detection and to the admin.
   */
  endedSessions(graceHours: number): BatchDelete {
    return async (db, batch) => {
      const cutoff = sql<Date>`now() - make_interval(hours => ${graceHours})`;
      return deleted(
        await db
          .deleteFrom('active_sessions')
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('active_sessions')
              .select('id')
              .where((w) =>
                w.or([
                  w('expires_at', '<', cutoff),
                  w('absolute_expires_at', '<', cutoff),
                  w('revoked_at', '<', cutoff),
                ]),
              )
              .limit(batch),
          )
          .executeTakeFirst(),
      );
    };
  },

  /** Access-token records of long sessions, once the tokens have expired. */
  expiredAccessTokens(): BatchDelete {
    return async (db, batch) =>
      deleted(
        await db
          .deleteFrom('session_access_tokens')
          .where('jti', 'in', (eb) =>
            eb
              .selectFrom('session_access_tokens')
              .select('jti')
              .where('expires_at', '<', sql<Date>`now() - interval '1 hour'`)
              .limit(batch),
          )
          .executeTakeFirst(),
      );
  },
};
