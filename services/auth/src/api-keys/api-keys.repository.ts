import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

const keyColumns = [
  'api_keys.id',
  'api_keys.key_prefix',
  'api_keys.name',
  'api_keys.description',
  'api_keys.scopes',
  'api_keys.created_by',
  'api_keys.created_at',
  'api_keys.last_used_at',
  'api_keys.expires_at',
  'api_keys.is_active',
  'api_keys.rate_limit_per_minute',
  'api_keys.allowed_endpoints',
  'api_keys.revoked_at',
  'api_keys.rotated_from_id',
  'api_keys.grace_expires_at',
] as const;

export interface NewKeyRow {
  keyHash: string;
  keyPrefix: string;
  name: string;
  description: string | null;
  scopes: string[];
  createdBy: number | null;
  expiresAt: Date | null;
  rateLimitPerMinute: number;
  allowedEndpoints: string[] | null;
  rotatedFromId: number | null;
}

/** SQL of `api_keys`. `key_hash` is only ever read by `liveCandidatesByPrefix`. */
export const apiKeysRepository = {
  async insert(db: Kysely<Database>, key: NewKeyRow): Promise<number> {
    const row = await db
      .insertInto('api_keys')
      .values({
        key_hash: key.keyHash,
        key_prefix: key.keyPrefix,
        name: key.name,
        description: key.description,
        scopes: key.scopes,
        created_by: key.createdBy,
        expires_at: key.expiresAt,
        rate_limit_per_minute: key.rateLimitPerMinute,
        allowed_endpoints: key.allowedEndpoints,
        rotated_from_id: key.rotatedFromId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  },

  list(db: Kysely<Database>) {
    return db
      .selectFrom('api_keys')
      .leftJoin('admin_users', 'admin_users.id', 'api_keys.created_by')
      .select([...keyColumns, 'admin_users.username as creator_username'])
      .orderBy('api_keys.id', 'desc')
      .limit(1000)
      .execute();
  },

  findById(db: Kysely<Database>, id: number) {
    return db
      .selectFrom('api_keys')
      .leftJoin('admin_users', 'admin_users.id', 'api_keys.created_by')
      .select([...keyColumns, 'admin_users.username as creator_username'])
      .where('api_keys.id', '=', id)
      .executeTakeFirst();
  },

  findByIdForUpdate(db: Kysely<Database>, id: number) {
    return db
      .selectFrom('api_keys')
      .select(keyColumns)
      .where('api_keys.id', '=', id)
      .forUpdate()
      .executeTakeFirst();
  },

  /**
   * Keys with this prefix that may be used right now, with their creator: active, not revoked, not expired,
   * not past a rotation grace, created by an active user. Bounded: prefixes are 48 random bits.
   */
  liveCandidatesByPrefix(db: Kysely<Database>, prefix: string) {
    return db
      .selectFrom('api_keys')
      .innerJoin('admin_users', 'admin_users.id', 'api_keys.created_by')
      .select([
        'api_keys.id',
        'api_keys.key_hash',
        'api_keys.scopes',
        'api_keys.rate_limit_per_minute',
        'api_keys.allowed_endpoints',
        'api_keys.expires_at',
        'api_keys.grace_expires_at',
        'admin_users.id as user_id',
        'admin_users.username',
        'admin_users.role',
      ])
      .where('api_keys.key_prefix', '=', prefix)
      .where('api_keys.is_active', '=', true)
      .where('api_keys.revoked_at', 'is', null)
      .where((eb) =>
        eb.or([eb('api_keys.expires_at', 'is', null), eb('api_keys.expires_at', '>', sql<Date>`now()`)]),
      )
      .where((eb) =>
        eb.or([
          eb('api_keys.grace_expires_at', 'is', null),
          eb('api_keys.grace_expires_at', '>', sql<Date>`now()`),
        ]),
      )
      .where('admin_users.is_active', '=', true)
      .orderBy('api_keys.id', 'desc')
      .limit(10)
      .execute();
  },

  /** At most one write a minute per key, however many requests it makes. */
  async touchLastUsed(db: Kysely<Database>, id: number): Promise<void> {
    await db
      .updateTable('api_keys')
      .set({ last_used_at: sql`now()` })
      .where('id', '=', id)
      .where((eb) =>
        eb.or([
          eb('last_used_at', 'is', null),
          eb('last_used_at', '<', sql<Date>`now() - interval '1 minute'`),
        ]),
      )
      .execute();
  },

  /** Revokes keys not revoked yet: one, or all of a creator. Returns the ids revoked now. */
  async revoke(
    db: Kysely<Database>,
    target: { id: number } | { createdBy: number },
    revokedBy: number | null,
  ): Promise<number[]> {
    let query = db
      .updateTable('api_keys')
      .set({ revoked_at: sql`now()`, revoked_by: revokedBy, is_active: false })
      .where('revoked_at', 'is', null);
    query =
      'id' in target ? query.where('id', '=', target.id) : query.where('created_by', '=', target.createdBy);
    const rows = await query.returning('id').execute();
    return rows.map((r) => r.id);
  },

  async startGrace(db: Kysely<Database>, id: number, until: Date): Promise<void> {
    await db.updateTable('api_keys').set({ grace_expires_at: until }).where('id', '=', id).execute();
  },

  /** Keys that stopped working in the last `hours` hours: revoked, or past their rotation grace. */
  async recentlyEndedIds(db: Kysely<Database>, hours: number): Promise<number[]> {
    const since = sql<Date>`now() - make_interval(hours => ${hours})`;
    const rows = await db
      .selectFrom('api_keys')
      .select('id')
      .where((eb) =>
        eb.or([
          eb('revoked_at', '>', since),
          eb.and([eb('grace_expires_at', '>', since), eb('grace_expires_at', '<=', sql<Date>`now()`)]),
        ]),
      )
      .orderBy('id')
      .limit(10_000)
      .execute();
    return rows.map((r) => r.id);
  },
};

export type ApiKeyListRow = Awaited<ReturnType<typeof apiKeysRepository.list>>[number];
export type ApiKeyCandidate = Awaited<ReturnType<typeof apiKeysRepository.liveCandidatesByPrefix>>[number];
