import { z } from 'zod';

export const PLATFORM_SERVICE_STATUSES = ['up', 'degraded', 'down', 'not_installed'] as const;
export type PlatformServiceStatus = (typeof PLATFORM_SERVICE_STATUSES)[number];
export const dependencyStatusSchema = z.enum(['up', 'down']);
export type DependencyStatus = z.infer<typeof dependencyStatusSchema>;

export const platformServiceHealthSchema = z.object({
  status: z.enum(PLATFORM_SERVICE_STATUSES),
  latencyMs: z.number(),
  /** Names of the service's own readiness checks with up/down only (no errors, no details). */
  checks: z.record(z.string(), dependencyStatusSchema).optional(),
  /** Embedded stand-ins the service runs on instead of the appliance component (native mode). */
  fallbacks: z.array(z.string()).optional(),
});
export type PlatformServiceHealth = z.infer<typeof platformServiceHealthSchema>;

/** `GET /api/health` (gateway, no auth; 503 still carries the full report). */
export const platformHealthSchema = z.object({
  status: z.enum(['ok', 'degraded', 'down']),
  services: z.record(z.string(), platformServiceHealthSchema),
  dependencies: z.object({
    postgres: dependencyStatusSchema,
    redis: dependencyStatusSchema,
    rabbitmq: dependencyStatusSchema,
  }),
  rateLimiter: z.enum(['redis', 'fail-open']),
  version: z.string(),
});
export type PlatformHealth = z.infer<typeof platformHealthSchema>;
