import { z } from 'zod';
import { isoDateTimeSchema, pageOf } from './common';

/** Every action the security audit records. */
export const AUDIT_ACTIONS = [
  'auth.setup',
  'auth.login.success',
  'auth.login.failure',
  'auth.login.locked',
  'auth.account.locked',
  'auth.logout',
  'auth.logout_all',
  'auth.session.revoked',
  'auth.refresh.reused',
  'auth.password.changed',
  'auth.password.reset',
  'user.created',
  'user.updated',
  'user.deleted',
  'user.unlocked',
  'api_key.created',
  'api_key.revoked',
  'api_key.rotated',
  'document.uploaded',
  'document.changed',
  'document.deleted',
  'document.reindexed',
  'document.retry_failed',
  'space.created',
  'space.updated',
  'space.deleted',
  'telegram.service.restart',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One entry of the security audit log (`GET /api/audit/logs`). */
export const auditLogSchema = z.object({
  id: z.number().int(),
  userId: z.number().int().nullable(),
  username: z.string().nullable(),
  action: z.string(),
  status: z.string().nullable(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  details: z.unknown(),
  ipAddress: z.string().nullable(),
  createdAt: isoDateTimeSchema,
});
export type AuditLogDto = z.infer<typeof auditLogSchema>;
export const auditLogPageSchema = pageOf(auditLogSchema);
export type AuditLogPage = z.infer<typeof auditLogPageSchema>;

/** `GET /api/audit/logs` query. */
export const auditLogsQuerySchema = z
  .object({
    userId: z.coerce.number().int().positive().optional(),
    action: z.enum(AUDIT_ACTIONS).optional(),
    status: z.enum(['success', 'failure']).optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();
export type AuditLogsQuery = z.input<typeof auditLogsQuerySchema>;
