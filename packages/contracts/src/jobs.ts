import { z } from 'zod';

/** Index (or re-index) one uploaded document: parse → chunk → embed → vector store. */
export const documentsIndexJobSchema = z.object({
  documentId: z.uuid(),
  reason: z.enum(['upload', 'reindex']),
});
export type DocumentsIndexJob = z.infer<typeof documentsIndexJobSchema>;

/**
 * Every work queue's job payload, by queue name. service-kit's topology declares exactly these queues
 * (checked at compile time), so a job added here cannot be sent to a queue nobody declared.
 */
export const jobSchemas = {
  'documents.index': documentsIndexJobSchema,
} as const satisfies Record<string, z.ZodType>;

export type JobSchemas = typeof jobSchemas;
export type JobQueueName = keyof JobSchemas;
export type JobPayload<Q extends JobQueueName> = z.output<JobSchemas[Q]>;
export type JobPayloadInput<Q extends JobQueueName> = z.input<JobSchemas[Q]>;

export function isJobQueueName(name: string): name is JobQueueName {
  return Object.hasOwn(jobSchemas, name);
}
