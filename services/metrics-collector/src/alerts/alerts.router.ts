import { Router } from 'express';
import { z } from 'zod';
import { thresholdPatchSchema } from '@arasul/contracts/http/alerts';
import { alertSeverity } from '@arasul/contracts/events/metrics';
import { authorize, identityOf } from '@arasul/service-kit/auth';
import { parseInput } from '@arasul/service-kit/http/validate';
import { METRIC_NAMES, type MetricName } from '../sampling/sample';
import type { AlertsService } from './alerts.service';

const metricEnum = z.enum(METRIC_NAMES as [MetricName, ...MetricName[]]);
const isoDate = z.iso.datetime({ offset: true }).transform((value) => new Date(value));

const historyQuery = z
  .object({
    from: isoDate.optional(),
    to: isoDate.optional(),
    metric: metricEnum.optional(),
    severity: alertSeverity.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .refine((q) => !q.from || !q.to || q.from < q.to, { message: 'from must be before to', path: ['from'] });

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });
const metricParams = z.object({ metric: metricEnum });

const thresholdBody = thresholdPatchSchema;

const read = authorize({ role: 'viewer', scope: 'metrics:read' });
const operate = authorize({ role: 'operator' });

/** `/api/alerts`: open alerts and their history for viewers; acknowledging and thresholds for operators. */
export function alertsRouter(alerts: AlertsService): Router {
  const router = Router();

  router.get('/active', read, async (_req, res) => {
    res.json({ items: await alerts.active() });
  });

  router.get('/history', read, async (req, res) => {
    res.json(await alerts.history(parseInput(historyQuery, req.query, 'query')));
  });

  router.post('/history/:id/acknowledge', operate, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await alerts.acknowledge(id, identityOf(req)));
  });

  router.get('/thresholds', read, async (_req, res) => {
    res.json({ items: await alerts.thresholds() });
  });

  router.put('/thresholds/:metric', operate, async (req, res) => {
    const { metric } = parseInput(metricParams, req.params, 'path');
    const body = parseInput(thresholdBody, req.body ?? {}, 'request body');
    res.json(await alerts.updateThreshold(metric, body, identityOf(req)));
  });

  return router;
}
