import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

export interface NewAuditRow {
  userId: number | null;
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
}

export interface AuditQuery {
  userId?: number | undefined;
  action?: string | undefined;
  status?: 'success' | 'failure' | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
  offset: number;
}

/** SQL of the security audit log (`audit_logs`) and the API audit views of seed 021. */
export const auditRepository = {
  async insert(db: Kysely<Database>, row: NewAuditRow): Promise<void> {
    await db
      .insertInto('audit_logs')
      .values({
        user_id: row.userId,
        action: row.action,
        resource_type: row.resourceType,
        resource_id: row.resourceId,
        details: JSON.stringify(row.details),
        ip_address: row.ip,
      })
      .execute();
  },

  async findPage(db: Kysely<Database>, query: AuditQuery) {
    let base = db.selectFrom('audit_logs').leftJoin('admin_users', 'admin_users.id', 'audit_logs.user_id');
    if (query.userId !== undefined) base = base.where('audit_logs.user_id', '=', query.userId);
    if (query.action !== undefined) base = base.where('audit_logs.action', '=', query.action);
    if (query.status !== undefined)
      base = base.where(sql<string>`audit_logs.details->>'status'`, '=', query.status);
    if (query.from !== undefined) base = base.where('audit_logs.created_at', '>=', query.from);
    if (query.to !== undefined) base = base.where('audit_logs.created_at', '<', query.to);

    const [rows, count] = await Promise.all([
      base
        .select([
          'audit_logs.id',
          'audit_logs.user_id',
          'admin_users.username',
          'audit_logs.action',
          'audit_logs.resource_type',
          'audit_logs.resource_id',
          'audit_logs.details',
          'audit_logs.ip_address',
          'audit_logs.created_at',
        ])
        .orderBy('audit_logs.created_at', 'desc')
        .orderBy('audit_logs.id', 'desc')
        .limit(query.limit)
        .offset(query.offset)
        .execute(),
      base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(count.total) };
  },

  dailyStats(
    db: Kysely<Database>,
    range: { from?: string | undefined; to?: string | undefined; limit: number },
  ) {
    let query = db.selectFrom('api_audit_daily_stats').selectAll();
    if (range.from !== undefined) query = query.where('day', '>=', range.from);
    if (range.to !== undefined) query = query.where('day', '<=', range.to);
    return query.orderBy('day', 'desc').orderBy('action_type').limit(range.limit).execute();
  },

  endpointStats(db: Kysely<Database>, options: { limit: number; method?: string | undefined }) {
    let query = db.selectFrom('api_audit_endpoint_stats').selectAll();
    if (options.method !== undefined) query = query.where('request_method', '=', options.method);
    return query.orderBy('total_requests', 'desc').orderBy('target_endpoint').limit(options.limit).execute();
  },
};
