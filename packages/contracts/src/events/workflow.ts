import { z } from 'zod';
import { message, name, nonNegativeInt } from './common';

/** n8n's execution states; seed table `workflow_activity`. */
export const workflowStatus = z.enum(['running', 'waiting', 'success', 'error', 'canceled', 'crashed']);
export type WorkflowStatus = z.infer<typeof workflowStatus>;

export const workflowActivitySchema = z.object({
  workflowName: name,
  status: workflowStatus,
  durationMs: nonNegativeInt.optional(),
  error: message.optional(),
});
export type WorkflowActivity = z.infer<typeof workflowActivitySchema>;
