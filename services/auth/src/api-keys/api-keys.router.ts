import { Router } from 'express';
import { z } from 'zod';
import { type ApiScope, createApiKeyRequestSchema } from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import { requestMeta } from '../shared/request-meta';
import type { ApiKeysService } from './api-keys.service';

const createBody = createApiKeyRequestSchema;

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** `/api/api-keys`: administrators manage keys for external clients (n8n, scripts). */
export function apiKeysRouter(apiKeys: ApiKeysService): Router {
  const router = Router();
  router.use(authorize({ role: 'admin' }));

  router.get('/', async (_req, res) => {
    res.json({ items: await apiKeys.list() });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(createBody, req.body, 'request body');
    const created = await apiKeys.create(
      {
        ...body,
        scopes: body.scopes as ApiScope[],
        expiresAt: body.expiresAt === undefined ? undefined : new Date(body.expiresAt),
      },
      identityOf(req),
      requestMeta(req),
    );
    res.status(201).json(created);
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await apiKeys.revoke(id, identityOf(req), requestMeta(req));
    res.status(204).end();
  });

  router.post('/:id/rotate', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.status(201).json(await apiKeys.rotate(id, identityOf(req), requestMeta(req)));
  });

  return router;
}
