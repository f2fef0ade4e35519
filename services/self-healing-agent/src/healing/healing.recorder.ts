import type { Kysely } from 'kysely';
import type { EventPayloadInput, EventType } from '@arasul/contracts/events';
import type {
  SelfHealingAction,
  SelfHealingRuntime,
  SelfHealingTrigger,
} from '@arasul/contracts/events/selfhealing';
import type { ServiceHealth, ServiceStatus } from '@arasul/contracts/events/system';
import type { Database, SelfHealingSeverity } from '@arasul/db';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import { type HealingEventType, insertEvent, recordStatus } from './healing.repository';

/** The narrow port of the AMQP client the agent publishes through. */
export interface EventPublisher {
  publish<K extends EventType>(type: K, payload: EventPayloadInput<K>): Promise<unknown>;
}

export interface ActionRecord {
  service: string;
  action: SelfHealingAction;
  trigger: SelfHealingTrigger;
  reason: string;
  attempt: number;
  outcome: 'succeeded' | 'failed';
  actor: 'agent' | 'operator';
  severity?: SelfHealingSeverity;
  metadata?: Record<string, unknown>;
}

const EVENT_SEVERITY = { INFO: 'info', WARNING: 'warning', CRITICAL: 'critical' } as const;

/**
 * Writes every detection, decision, action and outcome to `self_healing_events` and publishes the matching
 * event. The row is the record; a broker outage is logged and never stops the healing.
 */
export interface Escalation {
  service: string;
  reason: string;
  severity: 'warning' | 'critical';
  attempts: number;
  lastAction?: SelfHealingAction;
  cause: 'budget_exhausted' | 'ladder_exhausted' | 'guard';
  quarantined: boolean;
  trigger: SelfHealingTrigger;
}

export class HealingRecorder {
  private readonly escalationListeners: ((escalation: Escalation) => void)[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly bus: EventPublisher,
    private readonly runtime: () => SelfHealingRuntime | null,
    private readonly logger: Logger,
  ) {}

  async note(
    eventType: HealingEventType,
    severity: SelfHealingSeverity,
    service: string | null,
    description: string,
    trigger: SelfHealingTrigger | null,
    metadata?: Record<string, unknown>,
  ): Promise<number> {
    return insertEvent(this.db, {
      eventType,
      severity,
      service,
      description,
      trigger,
      metadata: metadata ?? null,
    });
  }

  async action(record: ActionRecord): Promise<number> {
    const severity = record.severity ?? (record.outcome === 'failed' ? 'CRITICAL' : 'WARNING');
    const id = await insertEvent(this.db, {
      eventType: record.actor === 'agent' ? 'action' : 'operator_action',
      severity,
      service: record.service,
      description: record.reason,
      actionTaken: record.action,
      trigger: record.trigger,
      outcome: record.outcome,
      metadata: { attempt: record.attempt, actor: record.actor, ...record.metadata },
    });
    const runtime = this.runtime();
    void this.publish('selfhealing.action.taken', {
      target: record.service,
      action: record.action,
      reason: record.reason,
      severity: EVENT_SEVERITY[severity],
      attempt: record.attempt,
      outcome: record.outcome,
      trigger: record.trigger,
      actor: record.actor,
      eventId: id,
      ...(runtime ? { runtime } : {}),
    });
    return id;
  }

  /** Told after every escalation is recorded (the reboot path listens for critical incidents). */
  onEscalated(listener: (escalation: Escalation) => void): void {
    this.escalationListeners.push(listener);
  }

  async escalate(input: Escalation): Promise<void> {
    await insertEvent(this.db, {
      eventType: input.quarantined ? 'quarantined' : 'escalated',
      severity: 'CRITICAL',
      service: input.service,
      description: input.reason,
      actionTaken: input.quarantined ? 'quarantine_service' : null,
      trigger: input.trigger,
      metadata: { cause: input.cause, attempts: input.attempts },
    });
    const runtime = this.runtime();
    void this.publish('selfhealing.escalated', {
      target: input.service,
      reason: input.reason,
      severity: input.severity,
      attempts: input.attempts,
      cause: input.cause,
      quarantined: input.quarantined,
      trigger: input.trigger,
      ...(input.lastAction ? { lastAction: input.lastAction } : {}),
      ...(runtime ? { runtime } : {}),
    });
    for (const listener of this.escalationListeners) listener(input);
  }

  /** Updates `service_status_cache` and publishes `service.status.changed` when status or health moved. */
  async status(
    service: string,
    status: ServiceStatus,
    health: ServiceHealth,
    reason: string | null,
    quarantined: boolean,
  ): Promise<void> {
    const runtime = this.runtime();
    const previous = await recordStatus(this.db, service, status, health, {
      runtime,
      reason,
      quarantined,
    });
    if (previous.status === status && previous.health === health) return;
    void this.publish('service.status.changed', {
      service,
      status,
      previousStatus: parseStatus(previous.status),
      health,
      previousHealth: parseHealth(previous.health),
      quarantined,
      ...(reason ? { reason: reason.slice(0, 4000) } : {}),
      ...(runtime ? { runtime } : {}),
    });
  }

  private async publish<K extends EventType>(type: K, payload: EventPayloadInput<K>): Promise<void> {
    try {
      await this.bus.publish(type, payload);
    } catch (error) {
      this.logger.warn('could not publish a self-healing event (it is recorded in the database)', {
        type,
        ...errorMeta(error),
      });
    }
  }
}

const STATUSES: readonly string[] = [
  'created',
  'starting',
  'running',
  'restarting',
  'paused',
  'stopped',
  'exited',
  'dead',
  'unknown',
];
const HEALTHS: readonly string[] = ['healthy', 'unhealthy', 'starting', 'none'];

function parseStatus(value: string | null): ServiceStatus | null {
  return value !== null && STATUSES.includes(value) ? (value as ServiceStatus) : null;
}

function parseHealth(value: string | null): ServiceHealth | null {
  return value !== null && HEALTHS.includes(value) ? (value as ServiceHealth) : null;
}
