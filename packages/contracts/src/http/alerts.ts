import { z } from 'zod';
import { alertSeverity } from '../events/metrics';
import { isoDateTimeSchema, itemsOf, pageOf } from './common';
import { metricNameSchema, metricUnitSchema } from './metrics';

/** One alert (`GET /api/alerts/active`, `/history`, acknowledge). */
export const alertSchema = z.object({
  id: z.number().int(),
  metric: metricNameSchema,
  status: z.enum(['active', 'resolved']),
  severity: alertSeverity,
  initialSeverity: alertSeverity,
  /** The value that fired it; `threshold` is the one of the current severity. */
  value: z.number(),
  threshold: z.number(),
  peakValue: z.number().nullable(),
  resolvedValue: z.number().nullable(),
  unit: metricUnitSchema,
  triggeredAt: isoDateTimeSchema,
  severityChangedAt: isoDateTimeSchema.nullable(),
  resolvedAt: isoDateTimeSchema.nullable(),
  /** The fired event reached the broker (the notification path). */
  notificationSent: z.boolean(),
  acknowledged: z
    .object({
      at: isoDateTimeSchema,
      by: z.object({ id: z.number().int().nullable(), username: z.string().nullable() }),
    })
    .nullable(),
});
export type AlertDto = z.infer<typeof alertSchema>;
export const alertListSchema = itemsOf(alertSchema);
export const alertPageSchema = pageOf(alertSchema);

/** The alert rule of one metric (`GET /api/alerts/thresholds`). */
export const thresholdSchema = z.object({
  metric: metricNameSchema,
  displayName: z.string(),
  unit: metricUnitSchema,
  warningThreshold: z.number(),
  criticalThreshold: z.number(),
  enabled: z.boolean(),
  cooldownSeconds: z.number().int(),
  forSamples: z.number().int(),
  clearDelta: z.number(),
  updatedAt: isoDateTimeSchema,
});
export type ThresholdDto = z.infer<typeof thresholdSchema>;
export const thresholdListSchema = itemsOf(thresholdSchema);

/** `PUT /api/alerts/thresholds/:metric`: at least one setting. */
export const thresholdPatchSchema = z
  .object({
    warningThreshold: z.number().optional(),
    criticalThreshold: z.number().optional(),
    enabled: z.boolean().optional(),
    cooldownSeconds: z.number().int().min(0).max(86_400).optional(),
    forSamples: z.number().int().min(1).max(100).optional(),
    clearDelta: z.number().min(0).max(50).optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, {
    message: 'name at least one setting to change',
  });
export type ThresholdPatch = z.input<typeof thresholdPatchSchema>;
