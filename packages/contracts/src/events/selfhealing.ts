import { z } from 'zod';
import { message, name, severity } from './common';

/** What the self-healing agent can do about a problem. */
export const selfHealingAction = z.enum([
  'restart_service',
  'stop_service',
  'start_service',
  'disk_cleanup',
  'thermal_throttle',
  'shed_load',
]);
export type SelfHealingAction = z.infer<typeof selfHealingAction>;

/** The agent acted; seed table `self_healing_events`. */
export const selfHealingActionTakenSchema = z.object({
  /** The service, container or resource acted on, e.g. `llm-queue` or `disk:/`. */
  target: name,
  action: selfHealingAction,
  reason: message,
  severity,
  /** 1 for the first try on this problem; grows while the back-off continues. */
  attempt: z.number().int().positive(),
  outcome: z.enum(['succeeded', 'failed']),
});
export type SelfHealingActionTaken = z.infer<typeof selfHealingActionTakenSchema>;

/** The agent gave up and needs a person. */
export const selfHealingEscalatedSchema = z.object({
  target: name,
  reason: message,
  severity: z.enum(['warning', 'critical']),
  /** Actions tried before giving up. */
  attempts: z.number().int().nonnegative(),
  lastAction: selfHealingAction.optional(),
});
export type SelfHealingEscalated = z.infer<typeof selfHealingEscalatedSchema>;
