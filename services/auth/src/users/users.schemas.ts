import { z } from 'zod';
import { ROLES } from '@arasul/service-kit';

/** Letters, digits, dot, dash, underscore; 3–50 characters (admin_users.username is varchar(50)). */
export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,49}$/, 'use 3–50 letters, digits, ".", "_" or "-"');

/** Length and content rules are checked by the password policy, which names the rule that failed. */
export const passwordSchema = z.string().min(1).max(4096);

export const emailSchema = z.email().max(255);

export const roleSchema = z.enum(ROLES);
