import type { Express, Request, RequestHandler } from 'express';
import { bearerToken, createServiceApp, isAppError, NotFoundError, type Logger } from '@arasul/service-kit';
import { apiFastPath, type FastPathListener } from './api-fast-path';
import { API_KEY_PREFIX } from './auth/api-keys';
import { auditTrail } from './audit/audit.middleware';
import { authenticate } from './auth/authenticate.middleware';
import { csrfProtection } from './auth/csrf.middleware';
import type { GatewayComponents } from './components';
import { dashboardRouter } from './dashboard/dashboard.router';
import { platformHealthHandler } from './health/health.router';
import { rateLimit } from './ratelimit/rate-limit.middleware';
import { pipeline } from './pipeline';
import { stateOf } from './request-state';
import { applyGatewayHeaders } from './response-headers';
import { applyCanonicalPath } from './routing/canonical-path';
import { matchRoute } from './routing/route-table';
import { corsPolicy, securityHeaders, stripInternalHeaders } from './security/security.middleware';

/**
 * The gateway as a `node:http` request listener (`http.createServer(app.serverOptions, app)`, or supertest's
 * plain server).
 */
export type GatewayApp = FastPathListener;

/**
 * The gateway. Every path is first made canonical (routing/canonical-path.ts, 400 invalid_path when it
 * cannot be); API paths (/api, /v1, /ollama) then run
 *   audit trail → authenticate → CSRF → rate limit → /api/health, or the proxy to the owning service;
 * every other path (the dashboard, /health/live, /health/ready) is the express app. The API chain does not
 * go through express' router (api-fast-path.ts). All of it runs before body parsing: request bodies
 * stream through.
 */
export function createApp(c: GatewayComponents): GatewayApp {
  const { config } = c;
  const logger = skipHiddenRequestLines(c.logger);
  const cors = corsPolicy(config.CORS_ORIGINS);

  const app: Express = createServiceApp({
    logger,
    health: c.health,
    trustProxy: config.TRUST_PROXY,
    internalSecret: config.INTERNAL_SECRET,
    readinessDetails: (req) => isAdminToken(c, req),
    beforeBody: (app) => {
      app.use(stripInternalHeaders());
      app.use(securityHeaders());
      if (cors) app.use(cors);
      // Non-API paths: the fast path already made the path canonical; a refused one is answered here.
      app.use((req, _res, next) => {
        next(applyCanonicalPath(req));
      });
    },
    routes: (app) => {
      app.use(dashboardRouter(config.DASHBOARD_DIR));
    },
  });
  return apiFastPath({ app, api: apiPipeline(c), cors, logger });
}

function apiPipeline(c: GatewayComponents): RequestHandler {
  const { config } = c;
  const health = platformHealthHandler(c.platformHealth);
  const steps: RequestHandler[] = [
    ...(config.AUDIT_ENABLED ? [auditTrail(c.audit)] : []),
    (req, _res, next) => {
      next(stateOf(req).pathError);
    },
    authenticate({
      tokens: c.tokens,
      apiKeys: c.apiKeys,
      signer: c.signer,
      rateLimiter: c.rateLimiter,
      unknownKeyChecksPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
    }),
    csrfProtection(config.JWT_SECRET),
    rateLimit(c.rateLimiter, {
      loginPerMinute: config.RATE_LIMIT_LOGIN_PER_MINUTE,
      anonymousPerMinute: config.RATE_LIMIT_ANONYMOUS_PER_MINUTE,
      userPerMinute: config.RATE_LIMIT_USER_PER_MINUTE,
    }),
    (req, res, next) => {
      if (req.path === '/api/health' && (req.method === 'GET' || req.method === 'HEAD')) {
        applyGatewayHeaders(res, stateOf(req));
        return health(req, res, next);
      }
      dispatch(c, req, res, next);
      return undefined;
    },
  ];
  return pipeline(steps, rememberErrorForAudit);
}

/** Hands the request to the service that owns its path (route-table.ts). */
function dispatch(
  c: GatewayComponents,
  req: Request,
  res: Parameters<RequestHandler>[1],
  next: Parameters<RequestHandler>[2],
): void {
  const route = matchRoute(req.path);
  if (route === undefined) {
    next(new NotFoundError(`No route for ${req.method} ${req.path}.`, 'route_not_found'));
    return;
  }
  stateOf(req).route = route;
  c.proxy.forward(req, res, next, route);
}

/**
 * winston formats a line (timestamp, secret masking, JSON) before its transports drop it for being below
 * LOG_LEVEL, so service-kit's per-request `http` line costs a JSON serialization on every proxied request
 * even when nobody sees it. The app gets a child logger whose `http` returns at once when that level is
 * off (winston's own child loggers delegate the same way). Everything else logs as before.
 */
function skipHiddenRequestLines(logger: Logger): Logger {
  if (logger.isLevelEnabled('http')) return logger;
  const quiet = logger.child({});
  quiet.http = (() => quiet) as unknown as Logger['http'];
  return quiet;
}

/** An admin's valid access token (not an API key) may read the gateway's readiness details. */
function isAdminToken(c: GatewayComponents, req: Request): boolean {
  const token = bearerToken(req.headers.authorization);
  if (token === '' || token.startsWith(API_KEY_PREFIX)) return false;
  try {
    return c.tokens.verify(token).identity.role === 'admin';
  } catch {
    return false;
  }
}

/** The audit row of a failed request names the error; the shared error handler writes the answer. */
function rememberErrorForAudit(error: unknown, req: Request): void {
  stateOf(req).errorMessage = isAppError(error) && error.expose ? error.message : 'internal error';
}
