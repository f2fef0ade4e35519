import { z } from 'zod';
import { isoDateTimeSchema, itemsOf, roleSchema } from './common';

/** Letters, digits, dot, dash, underscore; 3–50 characters (admin_users.username is varchar(50)). */
export const usernameSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{2,49}$/, 'use 3–50 letters, digits, ".", "_" or "-"');

/** Length and content rules are checked by auth's password policy, which names the rule that failed. */
export const passwordSchema = z.string().min(1).max(4096);

export const emailSchema = z.email().max(255);

/** A user as administration and `GET /api/auth/me` show it. */
export const userSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  email: z.string().nullable(),
  role: roleSchema,
  isActive: z.boolean(),
  createdAt: isoDateTimeSchema,
  updatedAt: isoDateTimeSchema,
  lastLogin: isoDateTimeSchema.nullable(),
  /** Set while the account tier of the lockout holds the account. */
  lockedUntil: isoDateTimeSchema.nullable(),
  failedLoginAttempts: z.number().int().nonnegative(),
});
export type UserDto = z.infer<typeof userSchema>;
export const userListSchema = itemsOf(userSchema);

/** `GET /api/auth/me`: the user plus the session the token belongs to. */
export const meSchema = userSchema.extend({ sessionId: z.number().int().nullable() });
export type MeDto = z.infer<typeof meSchema>;

/** `POST /api/users`. */
export const createUserRequestSchema = z
  .object({
    username: usernameSchema,
    password: passwordSchema,
    role: roleSchema,
    email: emailSchema.nullish(),
  })
  .strict();
export type CreateUserRequest = z.input<typeof createUserRequestSchema>;

/** `PATCH /api/users/:id`: at least one field. */
export const updateUserRequestSchema = z
  .object({
    role: roleSchema.optional(),
    isActive: z.boolean().optional(),
    email: emailSchema.nullable().optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'name at least one of role, isActive, email');
export type UpdateUserRequest = z.input<typeof updateUserRequestSchema>;
