import { Router } from 'express';
import { z } from 'zod';
import { llmJobSource } from '@arasul/contracts';
import { parseInput, requireInternalSecret } from '@arasul/service-kit';
import { collectForCaller, runForCaller } from '../jobs/caller-job';
import type { JobsService } from '../jobs/jobs.service';
import { llmOptionsSchema } from '../jobs/llm-options.schema';
import { type JobEvent, isTerminal } from '../scheduler/job-events';
import { EventGate } from '../shared/event-gate';
import { SseStream } from '../shared/sse';

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
export function internalRouter(deps: {
  jobs: JobsService;
  internalSecret: string;
  control: Router;
  heartbeatMs: number;
}): Router {
  const router = Router();
  router.use(requireInternalSecret(deps.internalSecret));
  // The self-healing agent's guards: stop running jobs, unload models, pause batch work, progress.
  router.use('/control', deps.control);

  router.post('/complete', async (req, res) => {
    const body = parseInput(completeBody, req.body, 'request body');
    const result = await collectForCaller(deps.jobs, chatInput(body), res);
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

  // The same job, its events streamed as SSE (`data: <job event>`), for callers that show the answer
  // as it is written (the diagnosis assistant). Closing the request cancels the job.
  router.post('/stream', async (req, res) => {
    const body = parseInput(completeBody, req.body, 'request body');
    const gate = new EventGate<[JobEvent]>();
    const admission = await runForCaller(deps.jobs, chatInput(body), res, (event) => gate.push(event));
    const stream = new SseStream(res, deps.heartbeatMs, null);
    stream.send({ type: 'admitted', jobId: admission.jobId, model: admission.model });
    gate.open((event) => {
      stream.send(event);
      if (isTerminal(event)) stream.end();
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

/** A chat job for an internal caller, from either messages or prompt (+ system). */
function chatInput(body: z.infer<typeof completeBody>) {
  const messages = body.messages ?? [
    ...(body.system === undefined ? [] : [{ role: 'system' as const, content: body.system }]),
    { role: 'user' as const, content: body.prompt ?? '' },
  ];
  return {
    userId: null,
    source: body.source,
    kind: 'chat' as const,
    ...(body.model === undefined ? {} : { model: body.model }),
    priority: body.priority,
    prompt: [...messages].reverse().find((m) => m.role === 'user')?.content ?? '',
    body: {
      messages,
      ...(body.options === undefined ? {} : { options: body.options }),
      ...(body.think === undefined ? {} : { think: body.think }),
      ...(body.format === undefined ? {} : { format: body.format }),
    },
  };
}
