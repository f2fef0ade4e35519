import { Router } from 'express';
import { z } from 'zod';
import {
  createUserRequestSchema as createBody,
  updateUserRequestSchema as updateBody,
} from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import { requestMeta } from '../shared/request-meta';
import type { UsersService } from './users.service';

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** `/api/users`: user administration, administrators only. */
export function usersRouter(users: UsersService): Router {
  const router = Router();
  router.use(authorize({ role: 'admin' }));

  router.get('/', async (_req, res) => {
    res.json({ items: await users.list() });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(createBody, req.body, 'request body');
    res.status(201).json(await users.create(body, identityOf(req), requestMeta(req)));
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await users.get(id));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const body = parseInput(updateBody, req.body, 'request body');
    res.json(await users.update(id, body, identityOf(req), requestMeta(req)));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await users.remove(id, identityOf(req), requestMeta(req));
    res.status(204).end();
  });

  router.post('/:id/unlock', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await users.unlock(id, identityOf(req), requestMeta(req)));
  });

  return router;
}
