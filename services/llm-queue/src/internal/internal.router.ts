import { Router } from 'express';
import { z } from 'zod';
import { llmJobSource } from '@arasul/contracts';
import { parseInput, requireInternalSecret } from '@arasul/service-kit';
import { collectForCaller } from '../jobs/caller-job';
import type { JobsService } from '../jobs/jobs.service';
import { llmOptionsSchema } from '../jobs/llm-options.schema';

const completeBody = z
  .object({
    /** Who asks (the `source` of `llm.job.finished`), e.g. `telegram`, `rag`, `indexer`. */
    source: llmJobSource,
    messages: z
      .array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string().max(1_000_000) }))
      .min(1)
      .max(1000)
      .optional(),
    prompt: z.string().min(1).max(1_000_000).optional(),
    system: z.string().max(100_000).optional(),
    model: z.string().trim().min(1).max(100).optional(),
    /** Background work (summaries, indexing) should say `batch`. */
    priority: z.enum(['interactive', 'batch']).default('interactive'),
    options: llmOptionsSchema.optional(),
    think: z.boolean().optional(),
    format: z.union([z.literal('json'), z.looseObject({})]).optional(),
  })
  .strict()
  .refine((b) => (b.messages === undefined) !== (b.prompt === undefined), 'give either messages or prompt');

const embedBody = z
  .object({
    source: llmJobSource,
    model: z.string().trim().min(1).max(100),
    input: z.union([z.string().max(100_000), z.array(z.string().max(100_000)).min(1).max(2048)]),
    priority: z.enum(['interactive', 'batch']).default('batch'),
  })
  .strict();

/** `/internal/llm`: other services (holding INTERNAL_SECRET) use the same queue, tagged with their source. */
export function internalRouter(deps: { jobs: JobsService; internalSecret: string; control: Router }): Router {
  const router = Router();
  router.use(requireInternalSecret(deps.internalSecret));
  // The self-healing agent's guards: stop running jobs, unload models, pause batch work, progress.
  router.use('/control', deps.control);

  router.post('/complete', async (req, res) => {
    const body = parseInput(completeBody, req.body, 'request body');
    const messages = body.messages ?? [
      ...(body.system === undefined ? [] : [{ role: 'system' as const, content: body.system }]),
      { role: 'user' as const, content: body.prompt ?? '' },
    ];
    const result = await collectForCaller(
      deps.jobs,
      {
        userId: null,
        source: body.source,
        kind: 'chat',
        ...(body.model === undefined ? {} : { model: body.model }),
        priority: body.priority,
        prompt: [...messages].reverse().find((m) => m.role === 'user')?.content ?? '',
        body: {
          messages,
          ...(body.options === undefined ? {} : { options: body.options }),
          ...(body.think === undefined ? {} : { think: body.think }),
          ...(body.format === undefined ? {} : { format: body.format }),
        },
      },
      res,
    );
    res.json({
      jobId: result.admission.jobId,
      model: result.admission.model,
      content: result.content,
      thinking: result.thinking || null,
      usage: result.done.usage,
      timings: result.done.timings,
      doneReason: result.done.doneReason,
    });
  });

  router.post('/embed', async (req, res) => {
    const body = parseInput(embedBody, req.body, 'request body');
    const inputs = Array.isArray(body.input) ? body.input : [body.input];
    const result = await collectForCaller(
      deps.jobs,
      {
        userId: null,
        source: body.source,
        kind: 'embed',
        model: body.model,
        priority: body.priority,
        prompt: inputs[0]?.slice(0, 1000) ?? '',
        body: { input: inputs },
      },
      res,
    );
    res.json({
      jobId: result.admission.jobId,
      model: result.admission.model,
      embeddings: result.extras.embeddings ?? [],
    });
  });

  return router;
}
