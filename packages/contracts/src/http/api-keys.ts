import { z } from 'zod';
import { API_SCOPES, apiScopeSchema, isoDateTimeSchema, itemsOf } from './common';

export const API_KEY_STATUSES = ['active', 'rotating', 'expired', 'revoked'] as const;
export type ApiKeyStatus = (typeof API_KEY_STATUSES)[number];

/** An API key as administration shows it (never the key itself). */
export const apiKeySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string().nullable(),
  prefix: z.string(),
  scopes: z.array(apiScopeSchema),
  status: z.enum(API_KEY_STATUSES),
  isActive: z.boolean(),
  lastUsedAt: isoDateTimeSchema.nullable(),
  expiresAt: isoDateTimeSchema.nullable(),
  rateLimitPerMinute: z.number().int(),
  allowedEndpoints: z.array(z.string()).nullable(),
  createdBy: z.object({ id: z.number().int(), username: z.string().nullable() }).nullable(),
  createdAt: isoDateTimeSchema,
  revokedAt: isoDateTimeSchema.nullable(),
  rotatedFromId: z.number().int().nullable(),
  graceExpiresAt: isoDateTimeSchema.nullable(),
});
export type ApiKeyDto = z.infer<typeof apiKeySchema>;
export const apiKeyListSchema = itemsOf(apiKeySchema);

/** `POST /api/api-keys` and `/:id/rotate`: the full key, shown exactly once. */
export const createdApiKeySchema = z.object({ key: z.string(), apiKey: apiKeySchema });
export type CreatedApiKey = z.infer<typeof createdApiKeySchema>;

const requestScopeSchema = z.string().refine((s) => (API_SCOPES as readonly string[]).includes(s), {
  error: (issue) =>
    issue.input === '*' || String(issue.input).includes('*')
      ? 'wildcard scopes are not allowed; name each scope'
      : `unknown scope; one of ${API_SCOPES.join(', ')}`,
});

/** `POST /api/api-keys`. */
export const createApiKeyRequestSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(1000).optional(),
    scopes: z
      .array(requestScopeSchema)
      .min(1)
      .max(API_SCOPES.length * 2),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((value) => new Date(value).getTime() > Date.now(), 'must be in the future')
      .optional(),
    rateLimitPerMinute: z.number().int().min(1).max(100_000).default(60),
    allowedEndpoints: z
      .array(
        z
          .string()
          .regex(/^\/[A-Za-z0-9/_.*:-]*$/, 'must be a path like /api/llm/*')
          .max(255),
      )
      .min(1)
      .max(50)
      .nullable()
      .optional(),
  })
  .strict();
export type CreateApiKeyRequest = z.input<typeof createApiKeyRequestSchema>;
