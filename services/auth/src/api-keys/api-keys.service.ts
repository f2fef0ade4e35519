import type { Kysely } from 'kysely';
import type { ApiKeyDto, ApiKeyStatus } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import { API_SCOPES, type ApiScope, type Identity } from '@arasul/service-kit';
import type { AuditService } from '../audit/audit.service';
import type { PasswordHasher } from '../shared/password-hasher';
import type { RequestMeta } from '../shared/request-meta';
import { type RevocationPublisher, apiKeyRevocations } from '../shared/revocations';
import { randomToken, sha256Hex } from '../shared/tokens';
import { ApiKeyNotFoundError, ApiKeyNotRotatableError, InvalidApiKeyError } from './api-keys.errors';
import { type ApiKeyCandidate, type ApiKeyListRow, apiKeysRepository as repo } from './api-keys.repository';

export const API_KEY_PREFIX = 'aras_';
/** `aras_` + 43 base64url characters (256 random bits); longer keys are accepted, shorter ones never issued. */
const KEY_PATTERN = /^aras_[A-Za-z0-9_-]{43,128}$/;
const KEY_PREFIX_LENGTH = 8;
/** A key that stopped working is reported to the gateway's revocation poll this long. */
const REVOCATION_REPORT_HOURS = 24;

export interface CreateApiKeyInput {
  name: string;
  description?: string | undefined;
  scopes: ApiScope[];
  expiresAt?: Date | undefined;
  rateLimitPerMinute: number;
  allowedEndpoints?: string[] | null | undefined;
}

export type { ApiKeyDto, ApiKeyStatus };

export interface VerifiedApiKey {
  identity: Identity;
  rateLimitPerMinute: number;
  allowedEndpoints: string[] | null;
  /** When the key stops working: its expiry or the end of its rotation grace, whichever is first. */
  expiresAt: string | null;
}

const iso = (date: Date | null): string | null => (date === null ? null : date.toISOString());
const knownScopes = (scopes: readonly string[]): ApiScope[] =>
  scopes.filter((s): s is ApiScope => (API_SCOPES as readonly string[]).includes(s));

/**
 * Remembers which key (by SHA-256 of the full key) argon2 already matched to which row, so a busy API
 * client costs one argon2 verify, not one per request. Only the fact "this key is row N" is cached; whether
 * row N may be used is read from Postgres on every call, so revocation stays immediate. Bounded.
 */
class VerifiedKeyCache {
  private readonly entries = new Map<string, number>();

  constructor(private readonly max: number) {}

  get(digest: string): number | undefined {
    return this.entries.get(digest);
  }

  set(digest: string, id: number): void {
    this.entries.delete(digest);
    this.entries.set(digest, id);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

export class ApiKeysService {
  private readonly verified = new VerifiedKeyCache(1000);

  constructor(
    private readonly db: Kysely<Database>,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    private readonly revocations: RevocationPublisher,
    private readonly rotationGraceSeconds: number,
  ) {}

  async list(): Promise<ApiKeyDto[]> {
    const rows = await repo.list(this.db);
    return rows.map(toDto);
  }

  /** Creates a key acting for `actor`; the plain key is in the answer once and stored only as a hash. */
  async create(
    input: CreateApiKeyInput,
    actor: Identity,
    meta: RequestMeta,
  ): Promise<{ key: string; apiKey: ApiKeyDto }> {
    const key = generateKey();
    const keyHash = await this.hasher.hash(key);
    const id = await this.db.transaction().execute(async (trx) => {
      const newId = await repo.insert(trx, {
        keyHash,
        keyPrefix: prefixOf(key),
        name: input.name,
        description: input.description ?? null,
        scopes: [...new Set(input.scopes)],
        createdBy: actor.userId,
        expiresAt: input.expiresAt ?? null,
        rateLimitPerMinute: input.rateLimitPerMinute,
        allowedEndpoints: input.allowedEndpoints ?? null,
        rotatedFromId: null,
      });
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'api_key.created',
          status: 'success',
          resource: { type: 'api_key', id: newId },
          meta,
          details: { name: input.name, prefix: prefixOf(key), scopes: input.scopes },
        },
        trx,
      );
      return newId;
    });
    return { key, apiKey: await this.get(id) };
  }

  async get(id: number): Promise<ApiKeyDto> {
    const row = await repo.findById(this.db, id);
    if (!row) throw new ApiKeyNotFoundError();
    return toDto(row);
  }

  /** Revokes a key for good; the gateways hear of it at once. Revoking twice is a no-op. */
  async revoke(id: number, actor: Identity, meta: RequestMeta): Promise<void> {
    const revoked = await this.db.transaction().execute(async (trx) => {
      const ids = await repo.revoke(trx, { id }, actor.userId);
      if (ids.length === 0) {
        if (!(await repo.findById(trx, id))) throw new ApiKeyNotFoundError();
        return ids;
      }
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'api_key.revoked',
          status: 'success',
          resource: { type: 'api_key', id },
          meta,
        },
        trx,
      );
      return ids;
    });
    await this.publish(revoked);
  }

  /**
   * Issues a successor with the same name, scopes and limits, acting for the same user. The old key keeps
   * working until `grace_expires_at`, so clients can be switched over without an outage.
   */
  async rotate(id: number, actor: Identity, meta: RequestMeta): Promise<{ key: string; apiKey: ApiKeyDto }> {
    const key = generateKey();
    const keyHash = await this.hasher.hash(key);
    const graceExpiresAt = new Date(Date.now() + this.rotationGraceSeconds * 1000);
    const newId = await this.db.transaction().execute(async (trx) => {
      const old = await repo.findByIdForUpdate(trx, id);
      if (!old) throw new ApiKeyNotFoundError();
      const now = new Date();
      const live =
        old.is_active &&
        old.revoked_at === null &&
        old.grace_expires_at === null &&
        (old.expires_at === null || old.expires_at > now);
      if (!live) throw new ApiKeyNotRotatableError();
      const successor = await repo.insert(trx, {
        keyHash,
        keyPrefix: prefixOf(key),
        name: old.name,
        description: old.description,
        scopes: old.scopes,
        createdBy: old.created_by,
        expiresAt: old.expires_at,
        rateLimitPerMinute: old.rate_limit_per_minute,
        allowedEndpoints: old.allowed_endpoints,
        rotatedFromId: old.id,
      });
      await repo.startGrace(trx, old.id, graceExpiresAt);
      await this.audit.record(
        {
          userId: actor.userId,
          action: 'api_key.rotated',
          status: 'success',
          resource: { type: 'api_key', id: old.id },
          meta,
          details: {
            newKeyId: successor,
            prefix: prefixOf(key),
            graceExpiresAt: graceExpiresAt.toISOString(),
          },
        },
        trx,
      );
      return successor;
    });
    if (this.rotationGraceSeconds === 0) await this.publish([id]);
    return { key, apiKey: await this.get(newId) };
  }

  /** Revokes every key a user created (the user is being deactivated or deleted); publish after commit. */
  revokeForCreatorInTransaction(
    trx: Kysely<Database>,
    userId: number,
    revokedBy: number | null,
  ): Promise<number[]> {
    return repo.revoke(trx, { createdBy: userId }, revokedBy);
  }

  publish(ids: readonly number[]): Promise<void> {
    return this.revocations.publish(apiKeyRevocations(ids));
  }

  /**
   * The gateway's question "who is this key?". Lookup by prefix, then argon2 against each live candidate
   * (or the cached match); every kind of invalid key gets the same answer.
   */
  async verify(key: string): Promise<VerifiedApiKey> {
    if (!KEY_PATTERN.test(key)) throw new InvalidApiKeyError();
    const candidates = await repo.liveCandidatesByPrefix(this.db, prefixOf(key));
    if (candidates.length === 0) throw new InvalidApiKeyError();
    const digest = sha256Hex(key);
    const match = await this.match(candidates, key, digest);
    if (!match) throw new InvalidApiKeyError();
    this.verified.set(digest, match.id);
    await repo.touchLastUsed(this.db, match.id);
    const ends = [match.expires_at, match.grace_expires_at].filter((d): d is Date => d !== null);
    const expiresAt = ends.length === 0 ? null : new Date(Math.min(...ends.map((d) => d.getTime())));
    return {
      identity: {
        userId: match.user_id,
        username: match.username,
        role: match.role,
        authType: 'api_key',
        scopes: knownScopes(match.scopes),
        apiKeyId: match.id,
      },
      rateLimitPerMinute: match.rate_limit_per_minute,
      allowedEndpoints: match.allowed_endpoints,
      expiresAt: iso(expiresAt),
    };
  }

  /** Ids of keys that stopped working in the last 24 h, for the gateway's revocation poll. */
  recentlyEndedIds(): Promise<number[]> {
    return repo.recentlyEndedIds(this.db, REVOCATION_REPORT_HOURS);
  }

  private async match(
    candidates: ApiKeyCandidate[],
    key: string,
    digest: string,
  ): Promise<ApiKeyCandidate | undefined> {
    const cachedId = this.verified.get(digest);
    const cached = cachedId === undefined ? undefined : candidates.find((c) => c.id === cachedId);
    if (cached) return cached;
    for (const candidate of candidates) {
      if (await this.hasher.verify(candidate.key_hash, key)) return candidate;
    }
    return undefined;
  }
}

function generateKey(): string {
  return `${API_KEY_PREFIX}${randomToken(32)}`;
}

function prefixOf(key: string): string {
  return key.slice(API_KEY_PREFIX.length, API_KEY_PREFIX.length + KEY_PREFIX_LENGTH);
}

function statusOf(row: ApiKeyListRow, now = new Date()): ApiKeyStatus {
  if (row.revoked_at !== null || !row.is_active) return 'revoked';
  if (row.expires_at !== null && row.expires_at <= now) return 'expired';
  if (row.grace_expires_at !== null) return row.grace_expires_at > now ? 'rotating' : 'expired';
  return 'active';
}

function toDto(row: ApiKeyListRow): ApiKeyDto {
  const status = statusOf(row);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    prefix: row.key_prefix,
    scopes: knownScopes(row.scopes),
    status,
    isActive: status === 'active' || status === 'rotating',
    lastUsedAt: iso(row.last_used_at),
    expiresAt: iso(row.expires_at),
    rateLimitPerMinute: row.rate_limit_per_minute,
    allowedEndpoints: row.allowed_endpoints,
    createdBy: row.created_by === null ? null : { id: row.created_by, username: row.creator_username },
    createdAt: row.created_at.toISOString(),
    revokedAt: iso(row.revoked_at),
    rotatedFromId: row.rotated_from_id,
    graceExpiresAt: iso(row.grace_expires_at),
  };
}
