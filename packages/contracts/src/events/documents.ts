import { z } from 'zod';
import { message, name, nonNegativeInt } from './common';

/** Seed table `documents.status`. */
export const documentStatus = z.enum(['pending', 'indexing', 'indexed', 'failed']);
export type DocumentStatus = z.infer<typeof documentStatus>;

export const documentStatusChangedSchema = z.object({
  documentId: z.uuid(),
  /** The name the user uploaded it under, so a notification can say which document. */
  originalName: name,
  status: documentStatus,
  /** `null` when the document was just created. */
  previousStatus: documentStatus.nullable(),
  chunkCount: nonNegativeInt.optional(),
  error: message.optional(),
});
export type DocumentStatusChanged = z.infer<typeof documentStatusChangedSchema>;
