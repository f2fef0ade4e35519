import { z } from 'zod';
import { message, name, nonNegativeInt } from './common';

/**
 * `documents.status`: the seed's `pending`/`indexing`/`indexed`/`failed` plus the pipeline stages of
 * migration 035 (`parsing → ocr → chunking → embedding`) and `partial` (some pages or chunks failed).
 */
export const documentStatus = z.enum([
  'pending',
  'indexing',
  'parsing',
  'ocr',
  'chunking',
  'embedding',
  'indexed',
  'partial',
  'failed',
]);
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
  /** Migration 035: the space, progress 0–100 and the stable error code. */
  spaceId: z.uuid().optional(),
  progress: z.number().int().min(0).max(100).optional(),
  errorCode: z.string().max(50).optional(),
  /** `true` when the document was deleted (the last event about it). */
  deleted: z.boolean().optional(),
});
export type DocumentStatusChanged = z.infer<typeof documentStatusChangedSchema>;
