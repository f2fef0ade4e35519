import { isIP } from 'node:net';
import type { Request } from 'express';
import type { Kysely } from 'kysely';
import type { AuditAction } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import {
  type Identity,
  type Logger,
  auditFailure,
  errorMeta,
  identityOf,
  recordAudit,
} from '@arasul/service-kit';

/** Who asks for a change: the gateway-verified identity and the client address (for the audit log). */
export interface Actor {
  userId: number;
  authType: Identity['authType'];
  apiKeyId?: number | undefined;
  ip: string | null;
}

/** The actor of a request (identity from the gateway, address from X-Forwarded-For behind the trusted gateway). */
export function actorOf(req: Request): Actor {
  const identity = identityOf(req);
  const raw = req.ip ?? '';
  const ip = raw.startsWith('::ffff:') && isIP(raw.slice(7)) === 4 ? raw.slice(7) : raw;
  return {
    userId: identity.userId,
    authType: identity.authType,
    apiKeyId: identity.apiKeyId,
    ip: isIP(ip) === 0 ? null : ip,
  };
}

export interface AuditTarget {
  type: 'document' | 'space';
  id?: string | null;
}

/**
 * Writes the indexer's own audit rows (`audit_logs`): every change a person or key asked for, with actor,
 * target and outcome. A row that cannot be written is logged at error level; it never undoes the change.
 */
export class Auditor {
  private readonly log: Logger;

  constructor(
    private readonly db: Kysely<Database>,
    logger: Logger,
  ) {
    this.log = logger.child({ module: 'audit' });
  }

  async record(
    actor: Actor,
    action: AuditAction,
    outcome: 'success' | 'failure',
    target: AuditTarget | null,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    try {
      await recordAudit(this.db, {
        actor,
        action,
        outcome,
        ...(target === null ? {} : { target }),
        ip: actor.ip,
        details,
      });
    } catch (error) {
      this.log.error('audit row not written', { action, outcome, userId: actor.userId, ...errorMeta(error) });
    }
  }

  /**
   * Runs `change` and records how it ended: success with the target and details `describe` gives, or
   * failure with the error code (the error is thrown on unchanged).
   */
  async around<T>(
    actor: Actor,
    action: AuditAction,
    target: AuditTarget | null,
    change: () => Promise<T>,
    describe: (result: T) => Record<string, unknown> = () => ({}),
  ): Promise<T> {
    let result: T;
    try {
      result = await change();
    } catch (error) {
      await this.record(actor, action, 'failure', target, auditFailure(error));
      throw error;
    }
    await this.record(actor, action, 'success', target, describe(result));
    return result;
  }
}
