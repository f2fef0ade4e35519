import { z } from 'zod';
import { isoTimestamp, message, name, nonNegativeInt } from './common';

/** The appliance (re)started; seed table `system_boot_events`. */
export const systemBootSchema = z.object({
  bootedAt: isoTimestamp,
  /** Platform version running after this boot. */
  version: z.string().min(1).max(50),
  previousShutdownAt: isoTimestamp.nullable(),
  shutdownReason: z.string().max(100).nullable(),
  uptimeBeforeShutdownSeconds: nonNegativeInt.nullable(),
  bootDurationMs: nonNegativeInt.optional(),
  /** `system_boot_events` row of this boot. */
  bootEventId: z.number().int().positive().optional(),
  /** Whether the self-healing agent rebooted the box on purpose (the reason is `shutdownReason`). */
  rebootedBySelfHealing: z.boolean().optional(),
});
export type SystemBoot = z.infer<typeof systemBootSchema>;

/** Docker container states plus what the native supervisor reports. */
export const serviceStatus = z.enum([
  'created',
  'starting',
  'running',
  'restarting',
  'paused',
  'stopped',
  'exited',
  'dead',
  'unknown',
]);
export type ServiceStatus = z.infer<typeof serviceStatus>;

export const serviceHealth = z.enum(['healthy', 'unhealthy', 'starting', 'none']);
export type ServiceHealth = z.infer<typeof serviceHealth>;

/** A watched service changed state; seed table `service_status_cache`. */
export const serviceStatusChangedSchema = z.object({
  service: name,
  status: serviceStatus,
  /** `null` the first time a service is seen. */
  previousStatus: serviceStatus.nullable(),
  health: serviceHealth,
  /** `null` the first time a service is seen. */
  previousHealth: serviceHealth.nullable().optional(),
  reason: message.optional(),
  /** Where the service runs: a Docker container or a native supervisor process. */
  runtime: z.enum(['docker', 'native']).optional(),
  /** True while the self-healing agent holds the service out of automatic restarts. */
  quarantined: z.boolean().optional(),
});
export type ServiceStatusChanged = z.infer<typeof serviceStatusChangedSchema>;
