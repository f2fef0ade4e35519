import { Router } from 'express';
import { z } from 'zod';
import { spaceInputSchema, spacePatchSchema } from '@arasul/contracts';
import { authorize, parseInput } from '@arasul/service-kit';
import { actorOf } from '../audit/auditor';
import type { SpacesService } from './spaces.service';

const idParams = z.object({ id: z.uuid() });

/** `/api/spaces`: viewers read (keys: `documents:read`), operators change (keys: `documents:write`). */
export function spacesRouter(spaces: SpacesService): Router {
  const router = Router();
  const read = authorize({ role: 'viewer', scope: 'documents:read' });
  const write = authorize({ role: 'operator', scope: 'documents:write' });

  router.get('/', read, async (_req, res) => {
    res.json({ items: await spaces.list() });
  });

  router.get('/:id', read, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await spaces.get(id));
  });

  router.post('/', write, async (req, res) => {
    const body = parseInput(spaceInputSchema, req.body, 'request body');
    res.status(201).json(await spaces.create(body, actorOf(req)));
  });

  router.patch('/:id', write, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const body = parseInput(spacePatchSchema, req.body, 'request body');
    res.json(await spaces.update(id, body, actorOf(req)));
  });

  router.delete('/:id', write, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await spaces.delete(id, actorOf(req));
    res.status(204).end();
  });

  return router;
}
