import { z } from 'zod';
import { isoDateTimeSchema, itemsOf, roleSchema } from './common';
import { emailSchema, passwordSchema, usernameSchema } from './users';

/** Who is signed in, as login, setup and refresh report it. */
export const sessionUserSchema = z.object({
  id: z.number().int(),
  username: z.string(),
  role: roleSchema,
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

/** `POST /api/auth/login`, `/setup`, `/refresh`. */
export const loginResponseSchema = z.object({
  accessToken: z.string(),
  expiresIn: z.number().int().positive(),
  user: sessionUserSchema,
});
export type LoginResponse = z.infer<typeof loginResponseSchema>;

/** `GET /api/auth/needs-setup`. */
export const needsSetupResponseSchema = z.object({ needsSetup: z.boolean() });
export type NeedsSetupResponse = z.infer<typeof needsSetupResponseSchema>;

/** One of my sessions (`GET /api/auth/sessions`). */
export const sessionSchema = z.object({
  id: z.number().int(),
  current: z.boolean(),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: isoDateTimeSchema,
  lastActivity: isoDateTimeSchema,
  expiresAt: isoDateTimeSchema,
  absoluteExpiresAt: isoDateTimeSchema,
});
export type SessionDto = z.infer<typeof sessionSchema>;
export const sessionListSchema = itemsOf(sessionSchema);

/** `POST /api/auth/setup`: the first administrator. */
export const setupRequestSchema = z
  .object({ username: usernameSchema, password: passwordSchema, email: emailSchema.nullish() })
  .strict();
export type SetupRequest = z.input<typeof setupRequestSchema>;

/** `POST /api/auth/login`. Not the username pattern: any string is "a username that does not exist". */
export const loginRequestSchema = z
  .object({ username: z.string().min(1).max(50), password: passwordSchema })
  .strict();
export type LoginRequest = z.input<typeof loginRequestSchema>;

/** `POST /api/auth/change-password`. */
export const changePasswordRequestSchema = z
  .object({ currentPassword: passwordSchema, newPassword: passwordSchema })
  .strict();
export type ChangePasswordRequest = z.input<typeof changePasswordRequestSchema>;
