import { Router } from 'express';
import { ragSettingsSchema, searchRequestSchema } from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import type { RagSettingsService } from './rag-settings.service';
import type { SearchService } from './search.service';

/** `POST /api/search`: viewers and up, or an API key with `documents:read` (n8n, scripts, llm-queue). */
export function searchRouter(search: SearchService): Router {
  const router = Router();
  router.post('/', authorize({ role: 'viewer', scope: 'documents:read' }), async (req, res) => {
    const body = parseInput(searchRequestSchema, req.body, 'request body');
    res.json(await search.search(body));
  });
  return router;
}

/** `GET/PUT /api/rag/settings`: administrators only (no API-key scope grants it). */
export function ragSettingsRouter(settings: RagSettingsService): Router {
  const router = Router();
  router.use(authorize({ role: 'admin' }));
  router.get('/settings', async (_req, res) => {
    res.json(await settings.get());
  });
  router.put('/settings', async (req, res) => {
    const body = parseInput(ragSettingsSchema, req.body, 'request body');
    res.json(await settings.put(body, identityOf(req).userId));
  });
  return router;
}
