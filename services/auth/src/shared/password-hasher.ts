import { randomBytes } from 'node:crypto';
import argon2 from 'argon2';
import type { Semaphore } from './semaphore';

/** OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane. */
export const ARGON2_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * argon2id hashing for passwords and API keys. Every hash and verify takes a slot of the shared
 * semaphore, because each one occupies a libuv thread and a CPU core for ~50 ms: unbounded, a login storm
 * would starve every other request of the service.
 */
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly limiter: Semaphore) {}

  hash(plain: string): Promise<string> {
    return this.limiter.run(() => argon2.hash(plain, ARGON2_OPTIONS));
  }

  /**
   * Compares `plain` with an encoded hash. Without a hash (unknown user) it verifies against a dummy hash
   * with the same parameters and returns false, so both cases cost the same time.
   */
  verify(encoded: string | null, plain: string): Promise<boolean> {
    return this.limiter.run(() => this.verifyInSlot(encoded, plain));
  }

  /** True when a stored hash uses weaker parameters than today's and should be replaced after login. */
  needsRehash(encoded: string): boolean {
    return argon2.needsRehash(encoded, ARGON2_OPTIONS);
  }

  private async verifyInSlot(encoded: string | null, plain: string): Promise<boolean> {
    if (encoded === null) {
      await argon2.verify(await this.dummy(), plain);
      return false;
    }
    // A malformed stored hash (e.g. a legacy bcrypt one) is a failed check, not a server error.
    return argon2.verify(encoded, plain).catch(() => false);
  }

  /** A hash of a random secret, computed once, to spend the same time on unknown users. */
  private dummy(): Promise<string> {
    this.dummyHash ??= argon2.hash(randomBytes(32).toString('hex'), ARGON2_OPTIONS);
    return this.dummyHash;
  }
}
