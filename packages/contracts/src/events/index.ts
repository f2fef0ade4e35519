import type { z } from 'zod';
import { authAccountLockedSchema, authLoginFailedSchema } from './auth';
import { documentStatusChangedSchema } from './documents';
import { llmJobFinishedSchema } from './llm';
import { metricsAlertFiredSchema, metricsAlertResolvedSchema } from './metrics';
import { selfHealingActionTakenSchema, selfHealingEscalatedSchema } from './selfhealing';
import { serviceStatusChangedSchema, systemBootSchema } from './system';
import { updateStateChangedSchema } from './update';
import { workflowActivitySchema } from './workflow';

export * from './auth';
export * from './documents';
export * from './llm';
export * from './metrics';
export * from './selfhealing';
export * from './system';
export * from './update';
export * from './workflow';

/**
 * Every event on `arasul.events`, by routing key. A new event is added here (and only here), which makes
 * `publish('<key>', payload)` type-check the payload and every consumer validate it with the same schema.
 */
export const eventSchemas = {
  'system.boot': systemBootSchema,
  'service.status.changed': serviceStatusChangedSchema,
  'auth.login.failed': authLoginFailedSchema,
  'auth.account.locked': authAccountLockedSchema,
  'metrics.alert.fired': metricsAlertFiredSchema,
  'metrics.alert.resolved': metricsAlertResolvedSchema,
  'llm.job.finished': llmJobFinishedSchema,
  'workflow.activity': workflowActivitySchema,
  'document.status.changed': documentStatusChangedSchema,
  'selfhealing.action.taken': selfHealingActionTakenSchema,
  'selfhealing.escalated': selfHealingEscalatedSchema,
  'update.state.changed': updateStateChangedSchema,
} as const satisfies Record<string, z.ZodType>;

export type EventSchemas = typeof eventSchemas;
export type EventType = keyof EventSchemas;
/** The payload a consumer receives (after parsing). */
export type EventPayload<K extends EventType> = z.output<EventSchemas[K]>;
/** The payload a publisher passes (before parsing; differs only where a schema has defaults). */
export type EventPayloadInput<K extends EventType> = z.input<EventSchemas[K]>;

export function isEventType(key: string): key is EventType {
  return Object.hasOwn(eventSchemas, key);
}
