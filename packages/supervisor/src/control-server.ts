import type { Express, RequestHandler } from 'express';
import {
  createServiceApp,
  HealthRegistry,
  NotFoundError,
  bearerToken,
  secretsEqual,
  UnauthorizedError,
  type Logger,
} from '@arasul/service-kit';
import type { Supervisor } from './supervisor';

/**
 * The supervisor's loopback API: `status` for the CLI, restart/stop/start for the self-healing agent.
 * Mutations need the bearer token the supervisor wrote to var/run/supervisor.token (mode 0600).
 */
export function createControlApp(supervisor: Supervisor, token: string, logger: Logger): Express {
  const health = new HealthRegistry('supervisor');
  const requireToken: RequestHandler = (req, _res, next) => {
    if (!secretsEqual(bearerToken(req.get('authorization')), token)) {
      throw new UnauthorizedError('The supervisor token is missing or wrong.');
    }
    next();
  };
  const named = (req: { params: Record<string, unknown> }): string => {
    const name = typeof req.params.name === 'string' ? req.params.name : '';
    if (!supervisor.find(name))
      throw new NotFoundError(`There is no service named "${name}".`, 'service_not_found');
    return name;
  };

  return createServiceApp({
    logger,
    health,
    routes: (app) => {
      app.get('/status', (_req, res) => {
        res.json(supervisor.status());
      });
      app.post('/services/:name/restart', requireToken, async (req, res) => {
        await supervisor.restartService(named(req));
        res.status(202).json({ service: req.params.name, action: 'restart' });
      });
      app.post('/services/:name/stop', requireToken, async (req, res) => {
        await supervisor.stopService(named(req));
        res.status(202).json({ service: req.params.name, action: 'stop' });
      });
      app.post('/services/:name/start', requireToken, (req, res) => {
        supervisor.startService(named(req));
        res.status(202).json({ service: req.params.name, action: 'start' });
      });
    },
  });
}
