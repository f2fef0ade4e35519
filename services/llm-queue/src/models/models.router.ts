import { Router } from 'express';
import { z } from 'zod';
import { authorize, parseInput } from '@arasul/service-kit';
import { SseStream } from '../shared/sse';
import type { PullEvent } from './model-pulls';
import type { ModelsService } from './models.service';

/** An Ollama model name: `name[:tag]`, optionally with a namespace/registry path. */
const modelName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._\-/]*(:[A-Za-z0-9._-]+)?$/, 'must be an Ollama model name like qwen3:8b');

const pullBody = z.object({ name: modelName, stream: z.boolean().default(true) }).strict();
const defaultBody = z.object({ name: modelName }).strict();
const switchesQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/** `/api/models`: lists for viewers (or keys with `llm:models`); changes for administrators. */
export function modelsRouter(models: ModelsService, heartbeatMs: number): Router {
  const router = Router();
  const view = authorize({ role: 'viewer', scope: 'llm:models' });
  const administer = authorize({ role: 'admin' });

  router.get('/catalog', view, async (_req, res) => {
    res.json({ items: await models.catalog() });
  });

  router.get('/installed', view, async (_req, res) => {
    res.json(await models.installed());
  });

  router.get('/switches', view, async (req, res) => {
    const { limit } = parseInput(switchesQuery, req.query, 'query');
    res.json({ items: await models.recentSwitches(limit) });
  });

  router.post('/pull', administer, async (req, res) => {
    const body = parseInput(pullBody, req.body, 'request body');
    if (!body.stream) {
      const { joined } = await models.pull(body.name);
      res.status(202).json({ model: body.name, status: joined ? 'already_pulling' : 'pulling' });
      return;
    }
    const out: { stream?: SseStream } = {};
    const early: PullEvent[] = [];
    const send = (event: PullEvent) => {
      const stream = out.stream;
      if (!stream) {
        early.push(event);
        return;
      }
      stream.send(event);
      if (event.type === 'done' || event.type === 'error') stream.end();
    };
    // Leaving the page does not stop the download; it goes on and shows in /api/models/installed.
    const { unsubscribe } = await models.pull(body.name, send);
    out.stream = new SseStream(res, heartbeatMs);
    out.stream.onClose(unsubscribe);
    for (const event of early.splice(0)) send(event);
  });

  router.post('/default', administer, async (req, res) => {
    const body = parseInput(defaultBody, req.body, 'request body');
    await models.setDefault(body.name);
    res.json({ name: body.name, isDefault: true });
  });

  // Model names may contain '/' (registry namespaces).
  router.delete('/*name', administer, async (req, res) => {
    const raw = (req.params as { name?: string[] }).name ?? [];
    const name = parseInput(modelName, raw.join('/'), 'model name');
    await models.remove(name);
    res.status(204).end();
  });

  return router;
}
