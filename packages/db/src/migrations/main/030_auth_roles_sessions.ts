/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen history and must not depend on the evolving Database type */
import { type Kysely, sql } from 'kysely';

/**
 * Roles, lockouts, refreshable sessions and scoped API keys for the auth service. Only adds to the seed
 * tables (no column is renamed or dropped):
 *
 * - `admin_users.role`: admin | operator | viewer. Accounts that exist before this migration were all
 *   administrators (the table is called admin_users), so they become admins; new accounts default to viewer.
 * - `login_attempts.outcome`: why an attempt ended as it did. Only `invalid_credentials` counts towards a
 *   lockout; attempts refused because a lock was already active do not extend it.
 * - `login_lockouts`: one row per imposed lock, per (username, IP) for the IP tier or per username for the
 *   account tier. Keyed by the lower-cased username, not the user id, so unknown usernames lock exactly like
 *   real ones (no enumeration through 423 vs 401). A lock also marks where failure counting restarts.
 * - `active_sessions`: a session is one login. `expires_at` (seed) is its idle expiry, capped by the new
 *   `absolute_expires_at` (NULL for rows written before: then `expires_at` is the only limit); `token_jti`
 *   (seed) is the newest access token's jti. Revoked sessions keep their row (with `revoked_at`) until
 *   retention removes them.
 * - `refresh_tokens`: every refresh token a session was given, as a SHA-256 hash. Rotating marks the old one
 *   `rotated_at`; presenting a rotated token again is theft and revokes the session.
 * - `session_access_tokens`: every access token (jti) a session was issued, so revoking a session can
 *   blacklist each one that has not expired yet, not only the newest.
 * - `api_keys`: scopes, revocation and rotation with a grace period for the old key.
 */

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('admin_users')
    .addColumn('role', 'varchar(20)', (col) => col.notNull().defaultTo('viewer'))
    .execute();
  await sql`
    ALTER TABLE admin_users ADD CONSTRAINT admin_users_role_check CHECK (role IN ('admin', 'operator', 'viewer'))
  `.execute(db);
  await sql`UPDATE admin_users SET role = 'admin'`.execute(db);

  await db.schema.alterTable('login_attempts').addColumn('outcome', 'varchar(30)').execute();
  await sql`
    ALTER TABLE login_attempts ADD CONSTRAINT login_attempts_outcome_check
    CHECK (outcome IN ('success', 'invalid_credentials', 'inactive', 'ip_locked', 'account_locked'))
  `.execute(db);
  await db.schema
    .createIndex('idx_login_attempts_attempted')
    .on('login_attempts')
    .column('attempted_at')
    .execute();

  await db.schema
    .createTable('login_lockouts')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('username', 'varchar(50)', (col) => col.notNull())
    .addColumn('ip_address', sql`inet`)
    .addColumn('tier', 'varchar(10)', (col) => col.notNull())
    .addColumn('failed_attempts', 'integer', (col) => col.notNull())
    .addColumn('locked_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('locked_until', 'timestamptz', (col) => col.notNull())
    .addColumn('released_at', 'timestamptz')
    .addColumn('released_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addCheckConstraint('login_lockouts_tier_check', sql`tier IN ('ip', 'account')`)
    .addCheckConstraint('login_lockouts_ip_check', sql`(tier = 'ip') = (ip_address IS NOT NULL)`)
    .execute();
  await db.schema
    .createIndex('idx_login_lockouts_username_locked')
    .on('login_lockouts')
    .columns(['username', 'locked_at desc'])
    .execute();
  await db.schema.createIndex('idx_login_lockouts_locked').on('login_lockouts').column('locked_at').execute();
  await db.schema
    .createIndex('idx_login_lockouts_released_by')
    .on('login_lockouts')
    .column('released_by')
    .execute();

  await db.schema
    .alterTable('active_sessions')
    .addColumn('absolute_expires_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_reason', 'varchar(50)')
    .execute();
  await db.schema
    .createIndex('idx_active_sessions_revoked_at')
    .on('active_sessions')
    .column('revoked_at')
    .execute();

  await db.schema
    .createTable('refresh_tokens')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('session_id', 'integer', (col) =>
      col.notNull().references('active_sessions.id').onDelete('cascade'),
    )
    // Hex SHA-256 of the token: refresh tokens are 256 random bits, so a fast hash is enough.
    .addColumn('token_hash', 'varchar(64)', (col) => col.notNull().unique())
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('rotated_at', 'timestamptz')
    .execute();
  await db.schema
    .createIndex('idx_refresh_tokens_session')
    .on('refresh_tokens')
    .column('session_id')
    .execute();

  await db.schema
    .createTable('session_access_tokens')
    .addColumn('jti', 'varchar(255)', (col) => col.primaryKey())
    .addColumn('session_id', 'integer', (col) =>
      col.notNull().references('active_sessions.id').onDelete('cascade'),
    )
    .addColumn('created_at', 'timestamptz', (col) => col.notNull().defaultTo(sql`now()`))
    .addColumn('expires_at', 'timestamptz', (col) => col.notNull())
    .execute();
  await db.schema
    .createIndex('idx_session_access_tokens_session')
    .on('session_access_tokens')
    .columns(['session_id', 'expires_at'])
    .execute();

  await db.schema
    .alterTable('api_keys')
    .addColumn('scopes', sql`text[]`, (col) => col.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by', 'integer', (col) => col.references('admin_users.id').onDelete('set null'))
    .addColumn('rotated_from_id', 'integer', (col) => col.references('api_keys.id').onDelete('set null'))
    .addColumn('grace_expires_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('idx_api_keys_revoked_at').on('api_keys').column('revoked_at').execute();
  await db.schema.createIndex('idx_api_keys_revoked_by').on('api_keys').column('revoked_by').execute();
  await db.schema.createIndex('idx_api_keys_rotated_from').on('api_keys').column('rotated_from_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('idx_api_keys_rotated_from').execute();
  await db.schema.dropIndex('idx_api_keys_revoked_by').execute();
  await db.schema.dropIndex('idx_api_keys_revoked_at').execute();
  await db.schema
    .alterTable('api_keys')
    .dropColumn('grace_expires_at')
    .dropColumn('rotated_from_id')
    .dropColumn('revoked_by')
    .dropColumn('revoked_at')
    .dropColumn('scopes')
    .execute();
  await db.schema.dropTable('session_access_tokens').execute();
  await db.schema.dropTable('refresh_tokens').execute();
  await db.schema.dropIndex('idx_active_sessions_revoked_at').execute();
  await db.schema
    .alterTable('active_sessions')
    .dropColumn('revoked_reason')
    .dropColumn('revoked_at')
    .dropColumn('absolute_expires_at')
    .execute();
  await db.schema.dropTable('login_lockouts').execute();
  await db.schema.dropIndex('idx_login_attempts_attempted').execute();
  await sql`ALTER TABLE login_attempts DROP CONSTRAINT login_attempts_outcome_check`.execute(db);
  await db.schema.alterTable('login_attempts').dropColumn('outcome').execute();
  await sql`ALTER TABLE admin_users DROP CONSTRAINT admin_users_role_check`.execute(db);
  await db.schema.alterTable('admin_users').dropColumn('role').execute();
}
