import type { Express, RequestHandler } from 'express';
import {
  createServiceApp,
  HealthRegistry,
  NotFoundError,
  bearerToken,
  secretsEqual,
  UnauthorizedError,
  ValidationError,
  type Logger,
} from '@arasul/service-kit';
import { z } from 'zod';
import type { Supervisor } from './supervisor';

const quarantineBody = z.object({ reason: z.string().min(1).max(1000) });

/** Heartbeat comment on the event stream, so proxies and the agent notice a dead connection. */
const EVENT_HEARTBEAT_MS = 15_000;

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
      app.post('/services/:name/quarantine', requireToken, (req, res) => {
        const name = named(req);
        const parsed = quarantineBody.safeParse(req.body);
        if (!parsed.success) {
          throw new ValidationError('A quarantine needs a reason (1-1000 characters).', parsed.error.issues);
        }
        supervisor.quarantineService(name, parsed.data.reason);
        res.status(202).json({ service: name, action: 'quarantine' });
      });
      app.post('/services/:name/release', requireToken, (req, res) => {
        const name = named(req);
        supervisor.releaseService(name);
        res.status(202).json({ service: name, action: 'release' });
      });
      // Server-sent events: first a `snapshot` (the full status), then every exit, readiness flip, state change
      // and quarantine as it happens.
      app.get('/events', requireToken, (req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        let seq = 0;
        const send = (type: string, data: unknown): void => {
          seq += 1;
          res.write(`id: ${seq}\nevent: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
        };
        send('snapshot', supervisor.status());
        const unsubscribe = supervisor.events.subscribe((event) => send(event.type, event));
        const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), EVENT_HEARTBEAT_MS);
        req.on('close', () => {
          clearInterval(heartbeat);
          unsubscribe();
        });
      });
    },
  });
}
