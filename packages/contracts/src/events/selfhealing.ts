import { z } from 'zod';
import { message, name, severity } from './common';

/** What the self-healing agent can do about a problem. */
export const selfHealingAction = z.enum([
  'restart_service',
  'stop_service',
  'start_service',
  /** Second rung of the ladder: a full stop, then a fresh start. */
  'stop_start_service',
  /** Third rung: an unhealthy dependency (e.g. Postgres) is restarted before the service that uses it. */
  'restart_dependency',
  /**
   * Docker mode, third rung when no dependency is to blame: the container is recreated from its compose
   * definition (a fresh writable layer, mounts and configuration) by the host (`docker compose up
   * --force-recreate`), which the socket proxy never lets the agent do itself.
   */
  'recreate_service',
  /** The budget is spent: the service is held out of automatic restarts until an operator releases it. */
  'quarantine_service',
  'release_service',
  'disk_cleanup',
  'thermal_throttle',
  'shed_load',
  'cancel_llm_job',
  'unload_models',
  'reboot',
]);
export type SelfHealingAction = z.infer<typeof selfHealingAction>;

/** Why the agent acted. */
export const selfHealingTrigger = z.enum([
  'crashed',
  'unhealthy',
  'hung',
  'oom',
  'dependency',
  'disk',
  'temperature',
  'memory',
  'gpu',
  'operator',
]);
export type SelfHealingTrigger = z.infer<typeof selfHealingTrigger>;

/** Where the agent acts: Docker containers (appliance) or the native supervisor's processes. */
export const selfHealingRuntime = z.enum(['docker', 'native']);
export type SelfHealingRuntime = z.infer<typeof selfHealingRuntime>;

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
  trigger: selfHealingTrigger.optional(),
  runtime: selfHealingRuntime.optional(),
  /** `operator` when a person pressed the button (`POST /api/services/:name/restart`), else the agent. */
  actor: z.enum(['agent', 'operator']).optional(),
  /** The `self_healing_events` row of this action. */
  eventId: z.number().int().positive().optional(),
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
  /**
   * `budget_exhausted`: more healing actions than the budget allows (the target is quarantined);
   * `ladder_exhausted`: every rung of the escalation ladder failed; `guard`: a disk/heat/memory/GPU guard
   * reached its critical step.
   */
  cause: z.enum(['budget_exhausted', 'ladder_exhausted', 'guard']).optional(),
  /** True when the target is now held out of automatic restarts until an operator releases it. */
  quarantined: z.boolean().optional(),
  trigger: selfHealingTrigger.optional(),
  runtime: selfHealingRuntime.optional(),
});
export type SelfHealingEscalated = z.infer<typeof selfHealingEscalatedSchema>;
