import { Router } from 'express';
import { z } from 'zod';
import { documentPatchSchema, documentStatus } from '@arasul/contracts';
import { authorize, parseInput } from '@arasul/service-kit';
import { actorOf } from '../audit/auditor';
import type { DocumentsService } from './documents.service';
import type { StatusEvents } from './status-events';

const idParams = z.object({ id: z.uuid() });
const listQuery = z.object({
  spaceId: z.uuid().optional(),
  status: documentStatus.optional(),
  q: z.string().trim().min(1).max(200).optional(),
  cursor: z.string().max(200).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const chunksQuery = z.object({
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
const eventsQuery = z.object({ spaceId: z.uuid().optional() });

/** RFC 6266: an ASCII fallback and the UTF-8 name; quotes, backslashes and control characters never pass. */
export function contentDisposition(filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** `/api/documents`: viewers read (keys: `documents:read`), operators change (keys: `documents:write`). */
export function documentsRouter(deps: {
  documents: DocumentsService;
  events: StatusEvents;
  heartbeatMs: number;
}): Router {
  const { documents, events } = deps;
  const router = Router();
  const read = authorize({ role: 'viewer', scope: 'documents:read' });
  const write = authorize({ role: 'operator', scope: 'documents:write' });

  router.post('/', write, async (req, res) => {
    const created = await documents.upload(req, actorOf(req));
    res.status(201).json({ documents: created });
  });

  router.get('/', read, async (req, res) => {
    const query = parseInput(listQuery, req.query, 'query');
    res.json(
      await documents.list({
        spaceId: query.spaceId,
        status: query.status,
        nameContains: query.q,
        cursor: query.cursor,
        limit: query.limit,
      }),
    );
  });

  router.get('/stats', read, async (_req, res) => {
    res.json(await documents.stats());
  });

  router.get('/events', read, (req, res) => {
    const { spaceId } = parseInput(eventsQuery, req.query, 'query');
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
    });
    res.write(': connected\n\n');
    const unsubscribe = events.on((change) => {
      if (spaceId !== undefined && change.document.spaceId !== spaceId) return;
      const payload = { ...change.document, deleted: change.deleted === true };
      res.write(`event: document\ndata: ${JSON.stringify(payload)}\n\n`);
    });
    const heartbeat = setInterval(() => res.write('event: heartbeat\ndata: {}\n\n'), deps.heartbeatMs);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });
  });

  router.post('/retry-failed', write, async (req, res) => {
    res.json(await documents.retryFailed(actorOf(req)));
  });

  router.get('/:id', read, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.json(await documents.get(id));
  });

  router.get('/:id/chunks', read, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const { offset, limit } = parseInput(chunksQuery, req.query, 'query');
    res.json(await documents.chunks(id, offset, limit));
  });

  router.get('/:id/download', read, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const { document, body } = await documents.download(id);
    res.writeHead(200, {
      'content-type': document.mimeType ?? 'application/octet-stream',
      'content-length': String(document.sizeBytes),
      'content-disposition': contentDisposition(document.originalName),
      'x-content-type-options': 'nosniff',
    });
    body.on('error', () => res.destroy());
    body.pipe(res);
  });

  router.post('/:id/reindex', write, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    res.status(202).json(await documents.reindex(id, actorOf(req)));
  });

  router.patch('/:id', write, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    const body = parseInput(documentPatchSchema, req.body, 'request body');
    res.json(await documents.patch(id, body, actorOf(req)));
  });

  router.delete('/:id', write, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await documents.delete(id, actorOf(req));
    res.status(204).end();
  });

  return router;
}
