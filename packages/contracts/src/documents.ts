import { z } from 'zod';
import { documentStatus } from './events/documents';

/** HTTP shapes of the document-indexer (`/api/documents`, `/api/spaces`), read by the dashboard. */

export const failedPartSchema = z.object({
  kind: z.enum(['page', 'chunk', 'document']),
  index: z.number().int().nonnegative().nullable(),
  code: z.string(),
  message: z.string(),
});
export type FailedPart = z.infer<typeof failedPartSchema>;

export const documentDtoSchema = z.object({
  id: z.uuid(),
  filename: z.string(),
  originalName: z.string(),
  mimeType: z.string().nullable(),
  sizeBytes: z.number().int().nonnegative(),
  spaceId: z.uuid(),
  status: documentStatus,
  stage: z.string().nullable(),
  progress: z.number().int().min(0).max(100),
  pageCount: z.number().int().nullable(),
  chunkCount: z.number().int().nonnegative(),
  language: z.string().nullable(),
  title: z.string().nullable(),
  attempts: z.number().int().nonnegative(),
  errorCode: z.string().nullable(),
  errorMessage: z.string().nullable(),
  failedParts: z.array(failedPartSchema),
  /** `pending`: searchable by keywords only until embedded. */
  dense: z.enum(['pending', 'ready', 'none']),
  contentSha256: z.string().nullable(),
  uploadedBy: z.number().int().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  indexedAt: z.string().nullable(),
});
export type DocumentDto = z.infer<typeof documentDtoSchema>;

export const documentListSchema = z.object({
  items: z.array(documentDtoSchema),
  /** Pass as `cursor` for the next page; `null` at the end. */
  nextCursor: z.string().nullable(),
});
export type DocumentList = z.infer<typeof documentListSchema>;

/** `GET /api/documents/events`: an SSE `document` event, the document after a change (`deleted`: gone). */
export const documentChangeEventSchema = documentDtoSchema.extend({ deleted: z.boolean() });
export type DocumentChangeEvent = z.infer<typeof documentChangeEventSchema>;

export const uploadResultSchema = z.object({
  documents: z.array(documentDtoSchema),
});
export type UploadResult = z.infer<typeof uploadResultSchema>;

export const documentChunkDtoSchema = z.object({
  id: z.uuid(),
  chunkIndex: z.number().int().nonnegative(),
  content: z.string(),
  pageStart: z.number().int().nullable(),
  pageEnd: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  sectionIndex: z.number().int().nullable(),
  wordCount: z.number().int().nonnegative(),
});
export type DocumentChunkDto = z.infer<typeof documentChunkDtoSchema>;

/** `GET /api/documents/:id/chunks`. */
export const documentChunkPageSchema = z.object({
  items: z.array(documentChunkDtoSchema),
  total: z.number().int().nonnegative(),
});
export type DocumentChunkPage = z.infer<typeof documentChunkPageSchema>;

export const documentStatsSchema = z.object({
  documents: z.number().int().nonnegative(),
  chunks: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  byStatus: z.record(z.string(), z.number().int().nonnegative()),
  denseBacklog: z.number().int().nonnegative(),
  vectorStore: z.object({ kind: z.string(), fallback: z.boolean(), points: z.number().int().nonnegative() }),
});
export type DocumentStats = z.infer<typeof documentStatsSchema>;

export const spaceDtoSchema = z.object({
  id: z.uuid(),
  name: z.string(),
  slug: z.string(),
  description: z.string().nullable(),
  color: z.string().nullable(),
  isDefault: z.boolean(),
  documentCount: z.number().int().nonnegative(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type SpaceDto = z.infer<typeof spaceDtoSchema>;
export const spaceListSchema = z.object({ items: z.array(spaceDtoSchema) });

export const spaceInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    slug: z
      .string()
      .trim()
      .min(1)
      .max(100)
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters, digits and single dashes')
      .optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    color: z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, 'a colour like #3366ff')
      .nullable()
      .optional(),
  })
  .strict();
export type SpaceInput = z.infer<typeof spaceInputSchema>;

export const spacePatchSchema = spaceInputSchema.partial().strict();
export type SpacePatch = z.infer<typeof spacePatchSchema>;

export const documentPatchSchema = z
  .object({
    originalName: z.string().trim().min(1).max(255).optional(),
    spaceId: z.uuid().optional(),
  })
  .strict()
  .refine((b) => b.originalName !== undefined || b.spaceId !== undefined, 'give originalName or spaceId');
export type DocumentPatch = z.infer<typeof documentPatchSchema>;
