import { z } from 'zod';

/** Roles, least to most privileged: viewer reads, operator operates, admin administers. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const roleSchema = z.enum(ROLES);

/** API-key scopes; no wildcard. */
export const API_SCOPES = [
  'llm:chat',
  'llm:models',
  'documents:read',
  'documents:write',
  'tables:read',
  'tables:write',
  'metrics:read',
  'webhooks:n8n',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];
export const apiScopeSchema = z.enum(API_SCOPES);

/** A timestamp on the wire: ISO-8601 in UTC (`Date#toISOString`). */
export const isoDateTimeSchema = z.iso.datetime();

/** `{ items: T[] }`, the shape of every unpaged list. */
export const itemsOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item) });

/** `{ items, total, limit, offset }`, the shape of every paged list. */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({
    items: z.array(item),
    total: z.number().int().nonnegative(),
    limit: z.number().int().nonnegative(),
    offset: z.number().int().nonnegative(),
  });

/** `{ error: { code, message, details?, errorId? } }`, every error answer of every service. */
export const errorBodySchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    errorId: z.string().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBodySchema>;
