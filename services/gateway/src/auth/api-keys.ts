import { hash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { UnauthorizedError } from '@arasul/service-kit';
import type { AuthClient } from './auth.client';
import { compileAllowedEndpoints, type EndpointMatcher } from './allowed-endpoints';
import type { SignedIdentityHolder } from './identity-signer';
import type { RevocationStore } from './revocation-store';

export const API_KEY_PREFIX = 'aras_';

export interface ApiKeyEntry extends SignedIdentityHolder {
  apiKeyId: number;
  rateLimitPerMinute: number;
  allowedEndpoints: EndpointMatcher | null;
}

export interface ApiKeyCacheOptions {
  maxEntries?: number;
  ttlMs?: number;
  negativeTtlMs?: number;
}

export class InvalidApiKeyError extends UnauthorizedError {
  constructor() {
    super('The API key is not valid.', 'invalid_api_key');
  }
}

/**
 * API keys are checked by the auth service (an argon2 hash compare), so the gateway remembers each answer:
 * valid keys for up to 60 s (never past their expiry), invalid ones for 5 s to blunt guessing. Entries are
 * keyed by the SHA-256 of the key, so the cache never holds a usable key. Concurrent misses for the same
 * key share one call to auth.
 */
export class ApiKeyAuthenticator {
  private readonly valid: LRUCache<string, ApiKeyEntry>;
  private readonly invalid: LRUCache<string, true>;
  private readonly pending = new Map<string, Promise<ApiKeyEntry>>();
  private readonly ttlMs: number;

  constructor(
    private readonly client: AuthClient,
    private readonly revocations: RevocationStore,
    private readonly defaultRateLimit: number,
    options: ApiKeyCacheOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.valid = new LRUCache({ max: options.maxEntries ?? 1000, ttl: this.ttlMs });
    this.invalid = new LRUCache({ max: options.maxEntries ?? 1000, ttl: options.negativeTtlMs ?? 5000 });
    revocations.onApiKeyRevoked((apiKeyId) => this.evict(apiKeyId));
  }

  /** One-shot `crypto.hash`: no Hash object per request (the key path runs this on every call). */
  static digest(key: string): string {
    return hash('sha256', key, 'hex');
  }

  /** The cached answer for a key, without any I/O: a valid entry, `false` when recently refused, or undefined. */
  cached(digest: string): ApiKeyEntry | false | undefined {
    const entry = this.valid.get(digest);
    if (entry !== undefined) {
      if (!this.revocations.isApiKeyRevoked(entry.apiKeyId)) return entry;
      this.valid.delete(digest);
      return false;
    }
    return this.invalid.has(digest) ? false : undefined;
  }

  /** Asks auth (once per key at a time); throws InvalidApiKeyError or UpstreamUnavailableError. */
  verify(key: string, digest: string): Promise<ApiKeyEntry> {
    let call = this.pending.get(digest);
    if (call === undefined) {
      call = this.verifyRemote(key, digest).finally(() => this.pending.delete(digest));
      this.pending.set(digest, call);
    }
    return call;
  }

  /** Drops every cached entry of a revoked key. */
  evict(apiKeyId: number): void {
    for (const [digest, entry] of this.valid.entries()) {
      if (entry.apiKeyId === apiKeyId) this.valid.delete(digest);
    }
  }

  size(): number {
    return this.valid.size;
  }

  private async verifyRemote(key: string, digest: string): Promise<ApiKeyEntry> {
    const answer = await this.client.verifyApiKey(key);
    const apiKeyId = answer?.identity.apiKeyId;
    if (answer === null || apiKeyId === undefined || this.revocations.isApiKeyRevoked(apiKeyId)) {
      this.invalid.set(digest, true);
      throw new InvalidApiKeyError();
    }
    const entry: ApiKeyEntry = {
      identity: answer.identity,
      apiKeyId,
      rateLimitPerMinute: answer.rateLimitPerMinute || this.defaultRateLimit,
      allowedEndpoints: compileAllowedEndpoints(answer.allowedEndpoints),
    };
    const expiresAtMs = answer.expiresAt === null ? Number.POSITIVE_INFINITY : Date.parse(answer.expiresAt);
    const ttl = Math.min(this.ttlMs, expiresAtMs - Date.now());
    if (ttl > 0) this.valid.set(digest, entry, { ttl });
    return entry;
  }
}
