import type { Kysely } from 'kysely';
import { AUDIT_ACTIONS, type AuditAction, type AuditLogDto } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import type { RequestMeta } from '../shared/request-meta';
import { type AuditQuery, auditRepository } from './audit.repository';

export { AUDIT_ACTIONS, type AuditAction, type AuditLogDto };

export interface AuditEntry {
  /** Who acted (the actor), or null (unknown username, the CLI). */
  userId: number | null;
  action: AuditAction;
  status: 'success' | 'failure';
  resource?: { type: 'user' | 'session' | 'api_key' | 'system'; id?: string | number | null };
  meta?: RequestMeta | null;
  /** Never secrets: no passwords, keys or tokens. */
  details?: Record<string, unknown>;
}

const toNumber = (value: string | number | null): number | null => (value === null ? null : Number(value));

export class AuditService {
  constructor(private readonly db: Kysely<Database>) {}

  /** Writes one entry; pass the transaction the audited change runs in, so both commit or neither. */
  record(entry: AuditEntry, db: Kysely<Database> = this.db): Promise<void> {
    return auditRepository.insert(db, {
      userId: entry.userId,
      action: entry.action,
      resourceType: entry.resource?.type ?? null,
      resourceId:
        entry.resource?.id === undefined || entry.resource.id === null ? null : String(entry.resource.id),
      details: {
        status: entry.status,
        ...entry.details,
        ...(entry.meta?.userAgent ? { userAgent: entry.meta.userAgent } : {}),
      },
      ip: entry.meta?.ip ?? null,
    });
  }

  async list(
    query: AuditQuery,
  ): Promise<{ items: AuditLogDto[]; total: number; limit: number; offset: number }> {
    const { rows, total } = await auditRepository.findPage(this.db, query);
    return {
      items: rows.map((row) => {
        const details = row.details as Record<string, unknown> | null;
        return {
          id: row.id,
          userId: row.user_id,
          username: row.username,
          action: row.action,
          status: typeof details?.status === 'string' ? details.status : null,
          resourceType: row.resource_type,
          resourceId: row.resource_id,
          details,
          ipAddress: row.ip_address,
          createdAt: row.created_at.toISOString(),
        };
      }),
      total,
      limit: query.limit,
      offset: query.offset,
    };
  }

  async dailyStats(range: { from?: string | undefined; to?: string | undefined; limit: number }) {
    const rows = await auditRepository.dailyStats(this.db, range);
    return rows.map((row) => ({
      day: row.day,
      actionType: row.action_type,
      totalRequests: Number(row.total_requests),
      successfulRequests: Number(row.successful_requests),
      failedRequests: Number(row.failed_requests),
      uniqueUsers: Number(row.unique_users),
      avgDurationMs: toNumber(row.avg_duration_ms),
      maxDurationMs: row.max_duration_ms,
    }));
  }

  async endpointStats(options: { limit: number; method?: string | undefined }) {
    const rows = await auditRepository.endpointStats(this.db, options);
    return rows.map((row) => ({
      endpoint: row.target_endpoint,
      method: row.request_method,
      totalRequests: Number(row.total_requests),
      errorCount: Number(row.error_count),
      avgDurationMs: toNumber(row.avg_duration_ms),
      p95DurationMs: toNumber(row.p95_duration_ms),
      maxDurationMs: row.max_duration_ms,
      lastRequestAt: row.last_request_at.toISOString(),
    }));
  }
}
