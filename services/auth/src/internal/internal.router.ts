import { Router } from 'express';
import { z } from 'zod';
import { parseInput, requireInternalSecret } from '@arasul/service-kit';
import type { ApiKeysService } from '../api-keys/api-keys.service';
import type { SessionsService } from '../sessions/sessions.service';

const verifyBody = z.object({ key: z.string().max(256) }).strict();

/** `/internal`: questions only the gateway may ask (bearer INTERNAL_SECRET). Never routed from outside. */
export function internalRouter(deps: {
  apiKeys: ApiKeysService;
  sessions: SessionsService;
  internalSecret: string;
}): Router {
  const router = Router();
  router.use(requireInternalSecret(deps.internalSecret));

  router.post('/api-keys/verify', async (req, res) => {
    const { key } = parseInput(verifyBody, req.body, 'request body');
    res.setHeader('Cache-Control', 'no-store');
    res.json(await deps.apiKeys.verify(key));
  });

  router.get('/revocations', async (_req, res) => {
    const [sessions, apiKeyIds] = await Promise.all([
      deps.sessions.blacklistedTokens(),
      deps.apiKeys.recentlyEndedIds(),
    ]);
    res.setHeader('Cache-Control', 'no-store');
    res.json({ sessions, apiKeyIds });
  });

  return router;
}
