import type { Kysely } from 'kysely';
import type { AuditAction } from '@arasul/contracts/http/audit';
import type { Database } from '@arasul/db';
import type { Identity } from './auth/identity';
import { isAppError } from './errors';

/**
 * One row of the security audit log (`audit_logs`, shown under Settings → Audit) written by the service that
 * made the change — who (actor), what (action, target) and how it ended (outcome) — besides the gateway's
 * request log. The same row shape auth writes.
 */
export interface ServiceAuditEntry {
  actor: Pick<Identity, 'userId' | 'authType' | 'apiKeyId'>;
  action: AuditAction;
  outcome: 'success' | 'failure';
  target?: { type: string; id?: string | null };
  /** The caller's address as the service sees it (`req.ip` behind the trusted gateway), if known. */
  ip?: string | null;
  /** Never secrets; ids, names, counts. A failure adds its error code here. */
  details?: Record<string, unknown>;
}

/** Writes one audit row; pass the transaction of the audited change when there is one, so both commit or neither. */
export async function recordAudit(db: Kysely<Database>, entry: ServiceAuditEntry): Promise<void> {
  await db
    .insertInto('audit_logs')
    .values({
      user_id: entry.actor.userId,
      action: entry.action,
      resource_type: entry.target?.type.slice(0, 50) ?? null,
      resource_id: entry.target?.id?.slice(0, 100) ?? null,
      details: JSON.stringify({
        status: entry.outcome,
        authType: entry.actor.authType,
        ...(entry.actor.apiKeyId === undefined ? {} : { apiKeyId: entry.actor.apiKeyId }),
        ...entry.details,
      }),
      ip_address: entry.ip?.slice(0, 45) ?? null,
    })
    .execute();
}

/** What a failure adds to an audit row: the stable error code a client saw, or `internal_error`. */
export function auditFailure(error: unknown): { errorCode: string } {
  return { errorCode: isAppError(error) ? error.code : 'internal_error' };
}
