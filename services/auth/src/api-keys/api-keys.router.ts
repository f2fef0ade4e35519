import { Router } from 'express';
import { z } from 'zod';
import { API_SCOPES, authorize, identityOf, parseInput } from '@arasul/service-kit';
import { requestMeta } from '../shared/request-meta';
import type { ApiKeysService } from './api-keys.service';

const scope = z.string().refine((s) => (API_SCOPES as readonly string[]).includes(s), {
  error: (issue) =>
    issue.input === '*' || String(issue.input).includes('*')
      ? 'wildcard scopes are not allowed; name each scope'
      : `unknown scope; one of ${API_SCOPES.join(', ')}`,
});

const createBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().max(1000).optional(),
    scopes: z
      .array(scope)
      .min(1)
      .max(API_SCOPES.length * 2),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((value) => new Date(value).getTime() > Date.now(), 'must be in the future')
      .optional(),
    rateLimitPerMinute: z.number().int().min(1).max(100_000).default(60),
    allowedEndpoints: z
      .array(
        z
          .string()
          .regex(/^\/[A-Za-z0-9/_.*:-]*$/, 'must be a path like /api/llm/*')
          .max(255),
      )
      .min(1)
      .max(50)
      .nullable()
      .optional(),
  })
  .strict();

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
        scopes: body.scopes as (typeof API_SCOPES)[number][],
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
