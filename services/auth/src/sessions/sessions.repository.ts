import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

export interface RevokedToken {
  jti: string;
  userId: number;
  expiresAt: Date;
}

const sessionColumns = [
  'active_sessions.id',
  'active_sessions.user_id',
  'active_sessions.token_jti',
  'active_sessions.ip_address',
  'active_sessions.user_agent',
  'active_sessions.created_at',
  'active_sessions.last_activity',
  'active_sessions.expires_at',
  'active_sessions.absolute_expires_at',
  'active_sessions.revoked_at',
] as const;

/** SQL of `active_sessions`, `refresh_tokens`, `session_access_tokens` and `token_blacklist`. */
export const sessionsRepository = {
  /** The id a new session will get, so its first access token can name it before the row exists. */
  async nextSessionId(db: Kysely<Database>): Promise<number> {
    const { rows } = await sql<{ id: number }>`
      SELECT nextval(pg_get_serial_sequence('active_sessions', 'id'))::integer AS id`.execute(db);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('nextval returned no row');
    return id;
  },

  async insertSession(
    db: Kysely<Database>,
    session: {
      id: number;
      userId: number;
      tokenJti: string;
      ip: string | null;
      userAgent: string | null;
      expiresAt: Date;
      absoluteExpiresAt: Date;
    },
  ): Promise<void> {
    await db
      .insertInto('active_sessions')
      .values({
        id: session.id,
        user_id: session.userId,
        token_jti: session.tokenJti,
        ip_address: session.ip,
        user_agent: session.userAgent,
        expires_at: session.expiresAt,
        absolute_expires_at: session.absoluteExpiresAt,
      })
      .execute();
  },

  async insertRefreshToken(db: Kysely<Database>, sessionId: number, tokenHash: string): Promise<void> {
    await db.insertInto('refresh_tokens').values({ session_id: sessionId, token_hash: tokenHash }).execute();
  },

  async insertAccessToken(
    db: Kysely<Database>,
    token: { jti: string; sessionId: number; expiresAt: Date },
  ): Promise<void> {
    await db
      .insertInto('session_access_tokens')
      .values({ jti: token.jti, session_id: token.sessionId, expires_at: token.expiresAt })
      .execute();
  },

  /** The refresh token with its session and user, row-locked so two refreshes of one token serialise. */
  findRefreshTokenForUpdate(db: Kysely<Database>, tokenHash: string) {
    return db
      .selectFrom('refresh_tokens')
      .innerJoin('active_sessions', 'active_sessions.id', 'refresh_tokens.session_id')
      .innerJoin('admin_users', 'admin_users.id', 'active_sessions.user_id')
      .select([
        'refresh_tokens.id as token_id',
        'refresh_tokens.rotated_at',
        ...sessionColumns,
        'admin_users.username',
        'admin_users.role',
        'admin_users.is_active',
      ])
      .where('refresh_tokens.token_hash', '=', tokenHash)
      .forUpdate('refresh_tokens')
      .executeTakeFirst();
  },

  async markRotated(db: Kysely<Database>, tokenId: number): Promise<void> {
    await db
      .updateTable('refresh_tokens')
      .set({ rotated_at: sql`now()` })
      .where('id', '=', tokenId)
      .execute();
  },

  /** Records activity: the newest access token, a new idle expiry. */
  async touchSession(
    db: Kysely<Database>,
    sessionId: number,
    update: { tokenJti: string; expiresAt: Date },
  ): Promise<void> {
    await db
      .updateTable('active_sessions')
      .set({ token_jti: update.tokenJti, expires_at: update.expiresAt, last_activity: sql`now()` })
      .where('id', '=', sessionId)
      .execute();
  },

  findSession(db: Kysely<Database>, sessionId: number) {
    return db
      .selectFrom('active_sessions')
      .select(sessionColumns)
      .where('id', '=', sessionId)
      .executeTakeFirst();
  },

  /** Sessions a user can still use, newest first. */
  listLiveSessions(db: Kysely<Database>, userId: number) {
    return db
      .selectFrom('active_sessions')
      .select(sessionColumns)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .where((eb) =>
        eb.or([eb('absolute_expires_at', 'is', null), eb('absolute_expires_at', '>', sql<Date>`now()`)]),
      )
      .orderBy('created_at', 'desc')
      .limit(500)
      .execute();
  },

  /**
   * Marks sessions revoked (those not revoked yet) and returns their ids. Either one session, or every
   * session of a user except one (logout-all keeps none, a password change keeps the current one).
   */
  async revokeSessions(
    db: Kysely<Database>,
    target: { sessionId: number } | { userId: number; exceptSessionId?: number | undefined },
    reason: string,
  ): Promise<number[]> {
    let query = db
      .updateTable('active_sessions')
      .set({ revoked_at: sql`now()`, revoked_reason: reason })
      .where('revoked_at', 'is', null);
    if ('sessionId' in target) {
      query = query.where('id', '=', target.sessionId);
    } else {
      query = query.where('user_id', '=', target.userId);
      if (target.exceptSessionId !== undefined) query = query.where('id', '<>', target.exceptSessionId);
    }
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  },

  /** Access tokens of these sessions that are still valid, with their owner. */
  async unexpiredAccessTokens(db: Kysely<Database>, sessionIds: readonly number[]): Promise<RevokedToken[]> {
    if (sessionIds.length === 0) return [];
    const rows = await db
      .selectFrom('session_access_tokens')
      .innerJoin('active_sessions', 'active_sessions.id', 'session_access_tokens.session_id')
      .select(['session_access_tokens.jti', 'session_access_tokens.expires_at', 'active_sessions.user_id'])
      .where('session_access_tokens.session_id', 'in', sessionIds)
      .where('session_access_tokens.expires_at', '>', sql<Date>`now()`)
      .execute();
    return rows.map((r) => ({ jti: r.jti, userId: r.user_id, expiresAt: r.expires_at }));
  },

  async blacklist(db: Kysely<Database>, tokens: readonly RevokedToken[]): Promise<void> {
    if (tokens.length === 0) return;
    await db
      .insertInto('token_blacklist')
      .values(tokens.map((t) => ({ token_jti: t.jti, user_id: t.userId, expires_at: t.expiresAt })))
      .onConflict((oc) => oc.column('token_jti').doNothing())
      .execute();
  },

  /** The session a refresh token (current or rotated) belongs to, for logout by cookie. */
  async sessionIdForRefreshToken(db: Kysely<Database>, tokenHash: string): Promise<number | undefined> {
    const row = await db
      .selectFrom('refresh_tokens')
      .select('session_id')
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    return row?.session_id;
  },

  /** Every blacklisted access token that has not expired yet (the gateway's revocation list). */
  unexpiredBlacklist(db: Kysely<Database>, limit: number) {
    return db
      .selectFrom('token_blacklist')
      .select(['token_jti', 'expires_at'])
      .where('expires_at', '>', sql<Date>`now()`)
      .orderBy('expires_at', 'desc')
      .limit(limit)
      .execute();
  },
};

export type RefreshTokenRow = NonNullable<
  Awaited<ReturnType<typeof sessionsRepository.findRefreshTokenForUpdate>>
>;
export type SessionRow = NonNullable<Awaited<ReturnType<typeof sessionsRepository.findSession>>>;
