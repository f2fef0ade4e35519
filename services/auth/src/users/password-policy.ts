import type { PasswordHasher } from '../shared/password-hasher';
import { PasswordPolicyError } from './users.errors';

export const PASSWORD_MIN_LENGTH = 10;
/** argon2 takes any length; the bound keeps one request from hashing megabytes. */
export const PASSWORD_MAX_LENGTH = 1024;
/** A new password must differ from the last this many (the current one included). */
export const PASSWORD_HISTORY_DEPTH = 5;

/** The rules that need no hash: length, and not the username (in any letter case). */
export function assertPasswordRules(password: string, username: string): void {
  if (Array.from(password).length < PASSWORD_MIN_LENGTH) {
    throw new PasswordPolicyError(
      'password_too_short',
      `The password needs at least ${PASSWORD_MIN_LENGTH} characters.`,
    );
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw new PasswordPolicyError(
      'password_too_long',
      `The password may have at most ${PASSWORD_MAX_LENGTH} characters.`,
    );
  }
  if (password.toLowerCase() === username.toLowerCase()) {
    throw new PasswordPolicyError('password_equals_username', 'The password must not be the username.');
  }
}

/** Refuses a password that matches any of `previousHashes` (newest first: the current one, then history). */
export async function assertNotReused(
  hasher: PasswordHasher,
  password: string,
  previousHashes: readonly string[],
): Promise<void> {
  for (const hash of previousHashes.slice(0, PASSWORD_HISTORY_DEPTH)) {
    if (await hasher.verify(hash, password)) {
      throw new PasswordPolicyError(
        'password_reused',
        `The password must differ from your last ${PASSWORD_HISTORY_DEPTH} passwords.`,
      );
    }
  }
}
