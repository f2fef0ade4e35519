import express, { Router } from 'express';
import type { WebhooksService } from './webhooks.service';

/**
 * `/api/webhooks`: mounted before the JSON parser, because the HMAC is over the exact bytes received. Not
 * behind `authorize`: the signature is the authentication.
 */
export function webhooksRouter(webhooks: WebhooksService): Router {
  const router = Router();
  router.post('/n8n', express.raw({ type: () => true, limit: '256kb' }), async (req, res) => {
    const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const result = await webhooks.receiveN8n(rawBody, {
      timestamp: req.get('x-arasul-timestamp'),
      signature: req.get('x-arasul-signature'),
    });
    res.status(201).json(result);
  });
  return router;
}
