import { Router } from 'express';
import { z } from 'zod';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import type { ChatsService } from './chats.service';

const idParams = z.object({ id: z.uuid() });
const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.iso.datetime({ offset: true }).optional(),
});
const title = z.string().trim().min(1).max(255).nullable();
const createBody = z.object({ title: title.optional() }).strict();
const patchBody = z.object({ title }).strict();
const searchQuery = z.object({
  q: z.string().trim().min(1).max(200),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
const messagesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  after: z.iso.datetime({ offset: true }).optional(),
});
const exportQuery = z.object({ format: z.enum(['md', 'json']).default('md') });

/** `/api/chats`: a user's own conversations (operator role or an API key with `llm:chat`). */
export function chatsRouter(chats: ChatsService): Router {
  const router = Router();
  router.use(authorize({ role: 'operator', scope: 'llm:chat' }));

  router.get('/', async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    const before = query.before === undefined ? undefined : new Date(query.before);
    res.json({ items: await chats.list(identityOf(req).userId, query.limit, before) });
  });

  router.post('/', async (req, res) => {
    const body = parseInput(createBody, req.body ?? {}, 'request body');
    res.status(201).json(await chats.create(identityOf(req).userId, body.title ?? null));
  });

  // Before '/:id', which would take "search" for an id.
  router.get('/search', async (req, res) => {
    const query = parseInput(searchQuery, req.query, 'query');
    res.json({ items: await chats.search(identityOf(req).userId, query.q, query.limit) });
  });

  router.get('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await chats.get(identityOf(req).userId, id));
  });

  router.patch('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const body = parseInput(patchBody, req.body, 'request body');
    res.json(await chats.rename(identityOf(req).userId, id, body.title));
  });

  router.delete('/:id', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await chats.remove(identityOf(req).userId, id);
    res.status(204).end();
  });

  router.get('/:id/messages', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const query = parseInput(messagesQuery, req.query, 'query');
    const after = query.after === undefined ? undefined : new Date(query.after);
    res.json({ items: await chats.messages(identityOf(req).userId, id, query.limit, after) });
  });

  router.get('/:id/export', async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const { format } = parseInput(exportQuery, req.query, 'query');
    const file = await chats.export(identityOf(req).userId, id, format);
    res.setHeader('Content-Type', file.type);
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.filename)}`);
    res.send(file.body);
  });

  return router;
}
