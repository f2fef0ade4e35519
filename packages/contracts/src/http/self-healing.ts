import { z } from 'zod';
import { selfHealingAction, selfHealingRuntime, selfHealingTrigger } from '../events/selfhealing';
import { serviceHealth } from '../events/system';

/**
 * HTTP DTOs of the self-healing agent (`/api/self-healing/*`, `/api/services/*`): the service validates its
 * input and shapes its output with these, the dashboard parses the answers with the same schemas.
 */

/** A service name as the supervisor / compose knows it: lower-case, digits and dashes. */
export const serviceNameSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'a service name is lower-case letters, digits and dashes');

/** What the runtime reports about a service's process or container. */
export const watchedServiceState = z.enum([
  'running',
  'starting',
  'stopping',
  'stopped',
  'backoff',
  'exited',
  'restarting',
  'paused',
  'dead',
  'unknown',
]);
export type WatchedServiceState = z.infer<typeof watchedServiceState>;

export const watchedServiceSchema = z.object({
  name: serviceNameSchema,
  state: watchedServiceState,
  health: serviceHealth,
  /** Why the service is not healthy, as far as the runtime knows. */
  healthReason: z.string().max(1000).nullable(),
  pid: z.number().int().positive().nullable(),
  uptimeSeconds: z.number().int().nonnegative().nullable(),
  /** Restarts the runtime did on its own (supervisor crash restarts / Docker restart policy). */
  runtimeRestarts: z.number().int().nonnegative(),
  /** Healing actions of the agent inside the budget window. */
  actionsInWindow: z.number().int().nonnegative(),
  /** The back-off the agent waits before its next action on this service; `null` when none is pending. */
  backoff: z
    .object({
      attempt: z.number().int().positive(),
      delaySeconds: z.number().int().nonnegative(),
      until: z.iso.datetime(),
    })
    .nullable(),
  quarantine: z.object({ since: z.iso.datetime(), reason: z.string().max(1000) }).nullable(),
  excluded: z.boolean(),
  stoppedByOperator: z.boolean(),
  lastAction: z
    .object({ action: selfHealingAction, at: z.iso.datetime(), outcome: z.enum(['succeeded', 'failed']) })
    .nullable(),
});
export type WatchedService = z.infer<typeof watchedServiceSchema>;

export const selfHealingStatusSchema = z.object({
  runtime: selfHealingRuntime.nullable(),
  /** Whether the agent currently reaches its runtime (Docker proxy / supervisor control API). */
  runtimeConnected: z.boolean(),
  enabled: z.boolean(),
  checkedAt: z.iso.datetime(),
  services: z.array(watchedServiceSchema),
});
export type SelfHealingStatus = z.infer<typeof selfHealingStatusSchema>;

export const selfHealingSeverity = z.enum(['INFO', 'WARNING', 'CRITICAL']);
export type SelfHealingSeverity = z.infer<typeof selfHealingSeverity>;

/** One row of `self_healing_events`: a detection, decision, action or outcome. */
export const selfHealingEventSchema = z.object({
  id: z.number().int().positive(),
  eventType: z.string().max(50),
  severity: selfHealingSeverity,
  service: z.string().max(100).nullable(),
  description: z.string(),
  actionTaken: z.string().nullable(),
  trigger: selfHealingTrigger.nullable(),
  outcome: z.enum(['succeeded', 'failed']).nullable(),
  timestamp: z.iso.datetime(),
});
export type SelfHealingEvent = z.infer<typeof selfHealingEventSchema>;

export const selfHealingEventsQuerySchema = z.object({
  service: serviceNameSchema.optional(),
  severity: selfHealingSeverity.optional(),
  eventType: z
    .string()
    .max(50)
    .regex(/^[a-z_.]+$/)
    .optional(),
  /** Only events with an id below this (the `nextCursor` of the previous page). */
  before: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type SelfHealingEventsQuery = z.infer<typeof selfHealingEventsQuerySchema>;

export const selfHealingEventsPageSchema = z.object({
  events: z.array(selfHealingEventSchema),
  nextCursor: z.number().int().positive().nullable(),
});
export type SelfHealingEventsPage = z.infer<typeof selfHealingEventsPageSchema>;

export const selfHealingSettingsSchema = z
  .object({
    /** Master switch: off means detect and record only. */
    enabled: z.boolean(),
    /** A running service that stays not-ready this long is hung and gets restarted. */
    unreadySeconds: z.number().int().min(5).max(600),
    backoffBaseSeconds: z.number().int().min(1).max(600),
    backoffMaxSeconds: z.number().int().min(10).max(3600),
    /** A service healthy this long gets its back-off reset. */
    backoffResetMinutes: z.number().int().min(1).max(1440),
    /** More than this many healing actions inside the window → quarantine + one escalation. */
    budgetActions: z.number().int().min(1).max(100),
    budgetWindowMinutes: z.number().int().min(1).max(1440),
    /** Services the agent leaves alone (in addition to `SELF_HEALING_EXCLUDE`). */
    exclude: z.array(serviceNameSchema).max(50),
    rebootEnabled: z.boolean(),
  })
  .refine((s) => s.backoffMaxSeconds >= s.backoffBaseSeconds, {
    message: 'backoffMaxSeconds must not be below backoffBaseSeconds',
    path: ['backoffMaxSeconds'],
  });
export type SelfHealingSettings = z.infer<typeof selfHealingSettingsSchema>;

export const serviceActionName = z.enum(['restart', 'stop', 'start', 'release']);
export type ServiceActionName = z.infer<typeof serviceActionName>;

export const serviceActionResultSchema = z.object({
  service: serviceNameSchema,
  action: serviceActionName,
  /** The state after the action as far as the runtime reports it right away. */
  state: watchedServiceState,
});
export type ServiceActionResult = z.infer<typeof serviceActionResultSchema>;

export const diagnosisQuestionSchema = z.object({
  question: z.string().trim().min(3).max(2000),
  /** The answer's language (the dashboard's); German unless said. */
  language: z.enum(['de', 'en']).default('de'),
  /** Like the chat: the answer as Server-Sent Events while it is written; `false` for one JSON answer. */
  stream: z.boolean().default(true),
});
export type DiagnosisQuestion = z.infer<typeof diagnosisQuestionSchema>;

export const diagnosisAnswerSchema = z.object({
  id: z.number().int().positive(),
  question: z.string(),
  /** `null` when no LLM answered; `context` is still the box's assembled state. */
  answer: z.string().nullable(),
  llmAvailable: z.boolean(),
  context: z.record(z.string(), z.unknown()),
  createdAt: z.iso.datetime(),
});
export type DiagnosisAnswer = z.infer<typeof diagnosisAnswerSchema>;

/**
 * One event of a streamed diagnosis (`POST /api/self-healing/ask`, `data: <json>` per event): `context` with
 * the box's assembled state first, `token`s of the answer as the model writes them, then `done` with the
 * stored record (its `answer` null when no model answered), or `error`.
 */
export const diagnosisStreamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('context'), context: z.record(z.string(), z.unknown()) }),
  z.object({ type: z.literal('token'), text: z.string() }),
  z.object({ type: z.literal('done'), answer: diagnosisAnswerSchema }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type DiagnosisStreamEvent = z.infer<typeof diagnosisStreamEventSchema>;
