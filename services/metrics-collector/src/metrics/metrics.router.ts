import { Router } from 'express';
import { z } from 'zod';
import { authorize } from '@arasul/service-kit/auth';
import { parseInput } from '@arasul/service-kit/http/validate';
import type { LiveService } from '../live/live.service';
import type { StreamHub } from '../live/stream.hub';
import type { RetentionService } from '../retention/retention.service';
import { METRIC_NAMES, type MetricName } from '../sampling/sample';
import { HISTORY_RANGE_NAMES, type HistoryService } from './history.service';

const historyQuery = z.object({
  metric: z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]),
  range: z.enum(HISTORY_RANGE_NAMES).default('1h'),
  points: z.coerce.number().int().min(1).max(2000).default(300),
});

export interface MetricsRouterDeps {
  live: LiveService;
  history: HistoryService;
  stream: StreamHub;
  retention: RetentionService;
}

/** `/api/metrics`: everything reads, for the viewer role or an API key with `metrics:read`. */
export function metricsRouter(deps: MetricsRouterDeps): Router {
  const router = Router();
  router.use(authorize({ role: 'viewer', scope: 'metrics:read' }));

  router.get('/live', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await deps.live.latest());
  });

  router.get('/history', async (req, res) => {
    const query = parseInput(historyQuery, req.query, 'query');
    const result = await deps.history.history(query.metric, query.range, query.points);
    res
      .set({ 'X-Metrics-Source': result.source, 'X-Metrics-Bucket-Seconds': String(result.bucketSeconds) })
      .json(result.points);
  });

  router.get('/stream', async (_req, res) => {
    const initial = await deps.live.latestJson().catch(() => null);
    deps.stream.attach(res, initial);
  });

  router.get('/retention', async (_req, res) => {
    res.json(await deps.retention.report());
  });

  return router;
}
