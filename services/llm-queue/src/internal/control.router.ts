import { Router } from 'express';
import {
  type LlmProgress,
  llmBatchRequestSchema,
  llmStopRunningRequestSchema,
  llmUnloadRequestSchema,
} from '@arasul/contracts';
import { type Logger, parseInput } from '@arasul/service-kit';
import type { BatchPause } from '../scheduler/batch-gate';
import { priorityClassOfRequest } from '../scheduler/scheduler.policy';
import type { ModelLoader } from '../scheduler/scheduler.port';
import type { Scheduler } from '../scheduler/scheduler';

function pauseDto(pause: BatchPause | null) {
  return (
    pause && { reason: pause.reason, since: pause.since.toISOString(), until: pause.until.toISOString() }
  );
}

/**
 * `/internal/llm/control` (behind the internal secret of `/internal/llm`): what the self-healing agent's
 * guards need. Stopped jobs fail with `stopped_by_system` and the reason, so their listeners see why.
 */
export function controlRouter(deps: { scheduler: Scheduler; models: ModelLoader; logger: Logger }): Router {
  const router = Router();
  const log = deps.logger.child({ module: 'control' });

  router.post('/stop-running', async (req, res) => {
    const body = parseInput(llmStopRunningRequestSchema, req.body, 'request body');
    const stopped = await deps.scheduler.stopRunning(body.reason);
    const unloaded = body.unloadModels ? await deps.models.unloadAll() : [];
    log.warn('running jobs stopped by the box', { reason: body.reason, stopped, unloaded });
    res.json({ stopped, unloaded });
  });

  router.post('/unload', async (req, res) => {
    const body = parseInput(llmUnloadRequestSchema, req.body, 'request body');
    const unloaded = await deps.models.unloadAll();
    log.warn('models unloaded by the box', { reason: body.reason, unloaded });
    res.json({ unloaded });
  });

  router.put('/batch', (req, res) => {
    const body = parseInput(llmBatchRequestSchema, req.body, 'request body');
    if (body.paused) {
      const { pause, requeued } = deps.scheduler.pauseBatch(body.reason, body.forSeconds * 1000);
      log.warn('batch work paused', { reason: body.reason, until: pause.until.toISOString(), requeued });
      res.json({ batchPaused: pauseDto(pause), requeued });
      return;
    }
    if (deps.scheduler.resumeBatch()) log.info('batch work resumed');
    res.json({ batchPaused: null, requeued: [] });
  });

  router.get('/progress', (_req, res) => {
    const progress: LlmProgress = {
      running: deps.scheduler.runningJobs().map((run) => ({
        jobId: run.job.id,
        model: run.model,
        priority: priorityClassOfRequest(run.job.request),
        startedAt: new Date(run.startedAt).toISOString(),
        tokens: run.chunks,
        lastTokenAt: run.lastChunkAt === null ? null : new Date(run.lastChunkAt).toISOString(),
      })),
      generatedTokens: deps.scheduler.generatedChunks(),
      loadedModels: [...deps.scheduler.loadedModels()],
      batchPaused: pauseDto(deps.scheduler.batchPause()),
    };
    res.set('Cache-Control', 'no-store').json(progress);
  });

  return router;
}
