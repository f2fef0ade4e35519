import { randomUUID } from 'node:crypto';
import express, { type ErrorRequestHandler, type Express, type Request, type RequestHandler } from 'express';
import { runWithContext } from '../context';
import { AppError, NotFoundError, PayloadTooLargeError, ValidationError } from '../errors';
import type { HealthRegistry } from '../health';
import type { Logger } from '../logger';
import { errorMeta } from '../logger';
import { isInvalidTextError } from '../security/safe-strings';
import { bearerToken, secretsEqual } from '../security/secrets';
import type { TrustProxy } from '../security/trust-proxy';

export const REQUEST_ID_HEADER = 'x-request-id';
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ServiceAppOptions {
  logger: Logger;
  health: HealthRegistry;
  /** Largest JSON body accepted; larger ones get 413. */
  jsonLimit?: string;
  /** Mounts the service's routers. Runs after the common middleware, before 404 and error handling. */
  routes: (app: Express) => void;
  /** Middleware that must run before body parsing (e.g. a streaming proxy). */
  beforeBody?: (app: Express) => void;
  /** Proxy addresses whose X-Forwarded-For is believed (config's `TRUST_PROXY`); none by default. */
  trustProxy?: TrustProxy;
  /** Callers presenting `Bearer <INTERNAL_SECRET>` (other services, the supervisor) see readiness details. */
  internalSecret?: string;
  /** Further callers allowed to see readiness details (the gateway: an admin's token). */
  readinessDetails?: (req: Request) => boolean;
}

/**
 * The one express app shape every service uses: request ids in and out, a request context for logs,
 * bounded JSON bodies, liveness/readiness, a 404 for unknown routes and one error handler.
 */
export function createServiceApp(options: ServiceAppOptions): Express {
  const { logger, health } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);

  app.use(requestContext(logger));
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'alive', service: health.service });
  });
  app.get('/health/ready', async (req, res) => {
    const report = await health.readiness();
    res.status(report.status === 'ready' ? 200 : 503);
    // Counters and loop errors are for operators and services only; anyone else learns up or down.
    if (mayReadDetails(req, options)) res.json(report);
    else res.json({ status: report.status, service: health.service });
  });

  options.beforeBody?.(app);
  app.use(express.json({ limit: options.jsonLimit ?? '1mb' }));
  options.routes(app);

  app.use((req, _res, next) => {
    next(new NotFoundError(`No route for ${req.method} ${req.path}.`, 'route_not_found'));
  });
  app.use(errorHandler(logger));
  return app;
}

function mayReadDetails(req: Request, options: ServiceAppOptions): boolean {
  const secret = options.internalSecret;
  if (secret !== undefined && secretsEqual(bearerToken(req.get('authorization')), secret)) return true;
  return options.readinessDetails?.(req) ?? false;
}

function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = incoming && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      logger.http('request', {
        requestId,
        method: req.method,
        path: req.path,
        status: res.statusCode,
        ms: Math.round(performance.now() - started),
      });
    });
    runWithContext({ requestId }, () => next());
  };
}

/** Body-parser errors carry a `type` (and Postgres errors a SQLSTATE); translate the ones a client caused into 4xx. */
function fromBodyParser(error: unknown): AppError | undefined {
  const type = (error as { type?: unknown }).type;
  if (type === 'entity.too.large') return new PayloadTooLargeError();
  if (type === 'entity.parse.failed')
    return new ValidationError('The request body is not valid JSON.', undefined, 'invalid_json');
  // Text Postgres cannot store (NUL, invalid UTF-8) that slipped past validation is still the client's doing.
  if (isInvalidTextError(error))
    return new ValidationError('The input contains text that cannot be stored.', undefined, 'invalid_input');
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    return new ValidationError(
      'The request body encoding is not supported.',
      undefined,
      'unsupported_encoding',
    );
  }
  return undefined;
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, _next) => {
    const appError = error instanceof AppError ? error : fromBodyParser(error);
    if (appError) {
      // Client mistakes and upstream blips are warnings; anything else server-side is an error.
      const level =
        appError.httpStatus < 500 || appError.httpStatus === 502 || appError.httpStatus === 503
          ? 'warn'
          : 'error';
      logger.log(level, 'request failed', {
        code: appError.code,
        status: appError.httpStatus,
        method: req.method,
        path: req.path,
        ...(appError.httpStatus >= 500 ? errorMeta(appError.cause ?? appError) : {}),
      });
      if (res.headersSent) return res.end();
      for (const [name, value] of Object.entries(appError.headers)) res.setHeader(name, value);
      const body: Record<string, unknown> = {
        code: appError.code,
        message: appError.expose ? appError.message : 'The service failed to handle the request.',
      };
      if (appError.details !== undefined && appError.expose) body.details = appError.details;
      return res.status(appError.httpStatus).json({ error: body });
    }

    const errorId = randomUUID();
    logger.error('unhandled error', { errorId, method: req.method, path: req.path, ...errorMeta(error) });
    if (res.headersSent) return res.end();
    return res.status(500).json({
      error: { code: 'internal_error', message: 'Something went wrong on our side.', errorId },
    });
  };
}
