import type { RequestHandler } from 'express';
import type { PlatformHealthService } from './platform-health.service';

/** GET /api/health: no authentication, no secrets. 503 only when the platform is `down`. */
export function platformHealthHandler(service: PlatformHealthService): RequestHandler {
  return async (_req, res) => {
    const health = await service.current();
    res.setHeader('Cache-Control', 'no-store');
    res.status(health.status === 'down' ? 503 : 200).json(health);
  };
}
