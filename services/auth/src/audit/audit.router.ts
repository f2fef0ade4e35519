import { Router } from 'express';
import { z } from 'zod';
import { auditLogsQuerySchema } from '@arasul/contracts';
import { authorize, parseInput } from '@arasul/service-kit';
import type { AuditService } from './audit.service';

const logsQuery = auditLogsQuerySchema;

const day = z.iso.date();
const dailyQuery = z
  .object({
    from: day.optional(),
    to: day.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(90),
  })
  .strict();

const endpointsQuery = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

/** `/api/audit`: the security audit log and the API usage views. Administrators only. */
export function auditRouter(audit: AuditService): Router {
  const router = Router();
  router.use(authorize({ role: 'admin' }));

  router.get('/logs', async (req, res) => {
    const query = parseInput(logsQuery, req.query, 'query');
    res.json(
      await audit.list({
        ...query,
        from: query.from === undefined ? undefined : new Date(query.from),
        to: query.to === undefined ? undefined : new Date(query.to),
      }),
    );
  });

  router.get('/api/daily', async (req, res) => {
    res.json({ items: await audit.dailyStats(parseInput(dailyQuery, req.query, 'query')) });
  });

  router.get('/api/endpoints', async (req, res) => {
    res.json({ items: await audit.endpointStats(parseInput(endpointsQuery, req.query, 'query')) });
  });

  return router;
}
