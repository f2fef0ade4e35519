import type { Logger } from '@arasul/service-kit';

/**
 * Revoked sessions (by access-token `jti`) and API keys, held in memory so checking one costs a map lookup.
 * A jti is kept until its token would have expired anyway; both sets are capped so a flood of revocations
 * cannot grow the process without bound (15-minute tokens make the cap unreachable in practice).
 */
export class RevocationStore {
  private readonly sessions = new Map<string, number>();
  private readonly apiKeyIds = new Set<number>();
  private readonly apiKeyListeners: ((apiKeyId: number) => void)[] = [];
  private capWarned = false;

  constructor(
    private readonly logger: Logger,
    private readonly maxEntries = 100_000,
  ) {}

  revokeSession(jti: string, expiresAtMs: number, now = Date.now()): void {
    if (expiresAtMs <= now || this.sessions.has(jti)) return;
    if (this.sessions.size >= this.maxEntries) this.makeRoom(now);
    this.sessions.set(jti, expiresAtMs);
  }

  isSessionRevoked(jti: string): boolean {
    return this.sessions.has(jti);
  }

  revokeApiKey(apiKeyId: number): void {
    if (!this.apiKeyIds.has(apiKeyId)) {
      if (this.apiKeyIds.size >= this.maxEntries) {
        // Key ids only grow; the oldest revocations are of keys long since evicted from every cache.
        const oldest = this.apiKeyIds.values().next();
        if (!oldest.done) this.apiKeyIds.delete(oldest.value);
      }
      this.apiKeyIds.add(apiKeyId);
    }
    for (const listener of this.apiKeyListeners) listener(apiKeyId);
  }

  isApiKeyRevoked(apiKeyId: number): boolean {
    return this.apiKeyIds.has(apiKeyId);
  }

  onApiKeyRevoked(listener: (apiKeyId: number) => void): void {
    this.apiKeyListeners.push(listener);
  }

  /** Drops jtis whose tokens have expired: an expired token is refused by its signature check anyway. */
  sweep(now = Date.now()): number {
    let removed = 0;
    for (const [jti, expiresAt] of this.sessions) {
      if (expiresAt <= now) {
        this.sessions.delete(jti);
        removed += 1;
      }
    }
    return removed;
  }

  stats(): { sessions: number; apiKeys: number } {
    return { sessions: this.sessions.size, apiKeys: this.apiKeyIds.size };
  }

  private makeRoom(now: number): void {
    if (this.sweep(now) > 0) return;
    if (!this.capWarned) {
      this.logger.warn('revocation set full, dropping the oldest entry', { maxEntries: this.maxEntries });
      this.capWarned = true;
    }
    const oldest = this.sessions.keys().next();
    if (!oldest.done) this.sessions.delete(oldest.value);
  }
}
