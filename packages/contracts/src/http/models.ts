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

/** One entry of `GET /api/models/catalog`: what can be installed, with its install state if any. */
export const catalogModelSchema = z.object({
  id: z.string(),
  ollamaName: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  sizeBytes: z.number().nullable(),
  ramRequiredGb: z.number().nullable(),
  category: z.enum(['small', 'medium', 'large', 'xlarge']).nullable(),
  capabilities: z.array(z.string()),
  jetsonTested: z.boolean(),
  performanceTier: z.number().int().nullable(),
  installStatus: z.string().nullable(),
});
export type CatalogModelDto = z.infer<typeof catalogModelSchema>;
/** `GET /api/models/catalog` */
export const modelCatalogSchema = z.object({ items: z.array(catalogModelSchema) });

/** `GET /api/models/switches`: the latest model switches, newest first. */
export const modelSwitchListSchema = z.object({
  items: z.array(
    z.object({
      fromModel: z.string().nullable(),
      toModel: z.string(),
      durationMs: z.number().nullable(),
      triggeredBy: z.enum(['user', 'queue', 'workflow', 'auto']),
      switchedAt: isoDateTimeSchema,
    }),
  ),
});
export type ModelSwitchDto = z.infer<typeof modelSwitchListSchema>['items'][number];
