import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse, type ServerOptions } from 'node:http';
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import {
  errorHandler,
  NotFoundError,
  REQUEST_ID_HEADER,
  runWithContext,
  type Logger,
} from '@arasul/service-kit';
import { newRequestState } from './request-state';
import { applyGatewayHeaders } from './response-headers';
import { applyCanonicalPath } from './routing/canonical-path';
import { isApiPath } from './routing/route-table';
import { stripInternalHeaders } from './security/security.middleware';

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export interface ApiFastPathOptions {
  /** The service app: everything that is not an API path (dashboard, /health/live, /health/ready). */
  app: Express;
  /** The API chain (app.ts apiPipeline). */
  api: RequestHandler;
  cors: RequestHandler | null;
  logger: Logger;
}

/**
 * Every request gets its canonical path first (routing/canonical-path.ts); API requests then skip express'
 * router and the shared app shell and run what they need of it directly: the express request/response
 * prototypes (req.path, req.ip, res.status … behave exactly as before), the
 * request id, the security headers, stripping of client-set `x-arasul-*` headers, CORS when configured, the
 * API chain, and service-kit's error handler for anything that fails. Profiling showed the router, its
 * per-layer path matching, the AsyncLocalStorage request context and helmet's per-request header
 * assembly costing more CPU than everything the gateway itself does per request. The request context
 * (request id in log lines) is entered only for the error answer, the one place the API path logs per
 * request; the `http` request line is written when LOG_LEVEL shows it, as before.
 */
export function apiFastPath(options: ApiFastPathOptions): FastPathListener {
  const { app, api, cors, logger } = options;
  const serverOptions = expressServerClasses(app);
  const requestPrototype = serverOptions.IncomingMessage.prototype;
  const strip = stripInternalHeaders();
  const onError = errorHandler(logger);
  const logRequests = logger.isLevelEnabled('http');
  const noop = () => undefined;

  const listener = (rawReq: IncomingMessage, rawRes: ServerResponse): void => {
    const req = rawReq as Request;
    const res = rawRes as Response;
    // A server made with `serverOptions` built them with express' prototypes already; any other (supertest) not.
    if (Object.getPrototypeOf(req) !== requestPrototype) {
      Object.setPrototypeOf(req, app.request);
      Object.setPrototypeOf(res, app.response);
    }
    req.res = res;
    res.req = req;
    const pathError = applyCanonicalPath(req);
    // A refused path counts as an API request (and is audited) if it would be one with `\` read as `/`.
    if (!isApiPath(pathError ? req.path.replaceAll('\\', '/') : req.path)) {
      app(req, res);
      return;
    }
    res.locals = Object.create(null) as Response['locals'];
    const incoming = req.headers[REQUEST_ID_HEADER];
    const requestId =
      typeof incoming === 'string' && SAFE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const state = newRequestState(req.ip, requestId);
    req.gateway = state;
    if (pathError) state.pathError = pathError;
    if (logRequests) logRequestLine(logger, req, res, requestId);

    const done: NextFunction = (error?: unknown) => {
      const failure =
        error === undefined || error === null || error === 'route' || error === 'router'
          ? new NotFoundError(`No route for ${req.method} ${req.path}.`, 'route_not_found')
          : error;
      applyGatewayHeaders(res, state);
      runWithContext({ requestId }, () => onError(failure, req, res, noop));
    };
    strip(req, res, noop);
    if (cors === null) {
      api(req, res, done);
      return;
    }
    // CORS answers preflights itself: our headers must be on the response before it runs.
    applyGatewayHeaders(res, state);
    void cors(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) done(error);
      else api(req, res, done);
    });
  };
  return Object.assign(listener, { serverOptions });
}

/** The fast path's request listener, with the server options that spare it a prototype change per request. */
export type FastPathListener = ((req: IncomingMessage, res: ServerResponse) => void) & {
  serverOptions: ServerOptions;
};

/**
 * Request and response classes whose prototypes are express' own (`app.request`, `app.response`), for
 * `http.createServer`: every request object is born with the shape node:http and express expect, instead of
 * getting its prototype swapped after construction (which V8 answers with a new hidden class per object and
 * slower property access in node's own HTTP code).
 */
function expressServerClasses(app: Express): {
  IncomingMessage: typeof IncomingMessage;
  ServerResponse: typeof ServerResponse;
} {
  class ExpressRequest extends IncomingMessage {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  class ExpressResponse<R extends IncomingMessage = IncomingMessage> extends ServerResponse<R> {}
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse };
}

function logRequestLine(logger: Logger, req: Request, res: Response, requestId: string): void {
  const started = performance.now();
  res.once('finish', () => {
    logger.http('request', {
      requestId,
      method: req.method,
      path: req.path,
      status: res.statusCode,
      ms: Math.round(performance.now() - started),
    });
  });
}
