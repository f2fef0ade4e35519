import { z } from 'zod';
import { ipAddress, isoTimestamp, nonNegativeInt } from './common';

const username = z.string().min(1).max(50);

/** A login attempt was refused. Never carries the password or a hint of it. */
export const authLoginFailedSchema = z.object({
  username,
  ip: ipAddress,
  reason: z.enum(['invalid_credentials', 'account_locked', 'account_inactive']),
});
export type AuthLoginFailed = z.infer<typeof authLoginFailedSchema>;

/** Too many failed logins: the account is locked until `lockedUntil`. */
export const authAccountLockedSchema = z.object({
  userId: z.number().int().positive(),
  username,
  lockedUntil: isoTimestamp,
  failedAttempts: nonNegativeInt,
  ip: ipAddress.optional(),
});
export type AuthAccountLocked = z.infer<typeof authAccountLockedSchema>;
