import { z } from 'zod';
import { isoDateTimeSchema } from './common';

/** A model Ollama has (or is pulling), with what the catalog knows about it. */
export const installedModelSchema = z.object({
  name: z.string(),
  status: z.string(),
  downloadProgress: z.number(),
  sizeBytes: z.number().nullable(),
  digest: z.string().nullable(),
  isDefault: z.boolean(),
  loaded: z.boolean(),
  lastUsedAt: isoDateTimeSchema.nullable(),
  usageCount: z.number().int(),
  downloadedAt: isoDateTimeSchema.nullable(),
  error: z.string().nullable(),
  catalog: z
    .object({
      id: z.string(),
      name: z.string(),
      category: z.string().nullable(),
      ramRequiredGb: z.number().nullable(),
    })
    .nullable(),
});
export type InstalledModelDto = z.infer<typeof installedModelSchema>;

/** `GET /api/models/installed`: the list works while Ollama is away (`backend: 'down'` and why). */
export const installedModelsSchema = z.object({
  backend: z.enum(['up', 'down']),
  reason: z.string().nullable(),
  items: z.array(installedModelSchema),
});
export type InstalledModels = z.infer<typeof installedModelsSchema>;

/** One event of `POST /api/models/pull` (SSE `data:` lines); the stream ends after `done` or `error`. */
export const modelPullEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('progress'),
    status: z.string(),
    completed: z.number().nullable(),
    total: z.number().nullable(),
    percent: z.number().nullable(),
  }),
  z.object({ type: z.literal('done'), model: z.string() }),
  z.object({ type: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type ModelPullEvent = z.infer<typeof modelPullEventSchema>;
