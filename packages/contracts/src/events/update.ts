import { z } from 'zod';
import { message } from './common';

/** The update-manager's state machine; the seed's `update_events.status` values are a subset. */
export const updateState = z.enum([
  'pending',
  'verifying',
  'backing_up',
  'applying',
  'health_checking',
  'completed',
  'failed',
  'rolling_back',
  'rolled_back',
]);
export type UpdateState = z.infer<typeof updateState>;

const version = z.string().min(1).max(20);

/** Seed table `update_events`. */
export const updateStateChangedSchema = z.object({
  updateId: z.number().int().positive(),
  versionFrom: version,
  versionTo: version,
  state: updateState,
  previousState: updateState.nullable(),
  source: z.enum(['dashboard', 'usb', 'auto']),
  error: message.optional(),
  requiresReboot: z.boolean().optional(),
});
export type UpdateStateChanged = z.infer<typeof updateStateChangedSchema>;
