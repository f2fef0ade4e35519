import type { Request, RequestHandler } from 'express';
import { UnauthorizedError } from '@arasul/service-kit';
import { EndpointNotAllowedError, RateLimitExceededError } from '../errors';
import type { RateLimiter } from '../ratelimit/rate-limiter';
import { stateOf } from '../request-state';
import type { AccessTokenVerifier } from './access-tokens';
import { isAnonymousRoute, routeKey } from './anonymous-routes';
import { API_KEY_PREFIX, ApiKeyAuthenticator, InvalidApiKeyError, type ApiKeyEntry } from './api-keys';
import type { IdentitySigner, SignedIdentityHolder } from './identity-signer';
import { IDENTITY_HEADER } from '@arasul/service-kit';

type Credential = { kind: 'jwt'; token: string } | { kind: 'api_key'; key: string };

/** `X-API-Key: aras_…`, `Authorization: Bearer aras_…` (an API key) or `Authorization: Bearer <JWT>`. */
export function credentialOf(req: Request): Credential | null {
  const apiKey = req.headers['x-api-key'];
  if (typeof apiKey === 'string' && apiKey !== '') return { kind: 'api_key', key: apiKey.trim() };
  const authorization = req.headers.authorization;
  if (
    authorization === undefined ||
    authorization.length < 8 ||
    authorization.slice(0, 7).toLowerCase() !== 'bearer '
  ) {
    return null;
  }
  const token = authorization.slice(7).trim();
  if (token === '') return null;
  return token.startsWith(API_KEY_PREFIX) ? { kind: 'api_key', key: token } : { kind: 'jwt', token };
}

export interface AuthenticateDeps {
  tokens: AccessTokenVerifier;
  apiKeys: ApiKeyAuthenticator;
  signer: IdentitySigner;
  rateLimiter: RateLimiter;
  /** Per-IP budget for API keys the gateway has not seen recently (each costs auth an argon2 compare). */
  unknownKeyChecksPerMinute: number;
}

/**
 * Establishes who is calling and forwards it as a signed `X-Arasul-Identity`. Protected routes without a
 * valid identity end here with 401; anonymous routes pass either way (a valid credential is still
 * forwarded, an invalid one is ignored so an expired token cannot block /api/auth/refresh).
 */
export function authenticate(deps: AuthenticateDeps): RequestHandler {
  interface Resolved {
    holder: SignedIdentityHolder;
    apiKey?: ApiKeyEntry;
  }

  /** Synchronous for JWTs and known keys (the hot path); a promise only when auth must be asked. */
  const resolve = (req: Request, credential: Credential): Resolved | Promise<Resolved> => {
    if (credential.kind === 'jwt') return { holder: deps.tokens.verify(credential.token) };
    if (!credential.key.startsWith(API_KEY_PREFIX)) throw new InvalidApiKeyError();
    const digest = ApiKeyAuthenticator.digest(credential.key);
    const cached = deps.apiKeys.cached(digest);
    if (cached === false) throw new InvalidApiKeyError();
    if (cached !== undefined) return { holder: cached, apiKey: cached };
    return verifyUnknownKey(req, credential.key, digest);
  };

  const verifyUnknownKey = async (req: Request, key: string, digest: string): Promise<Resolved> => {
    const decision = await deps.rateLimiter.consume(
      `keycheck:${stateOf(req).ip}`,
      deps.unknownKeyChecksPerMinute,
    );
    // Redis away: let the check through; auth still refuses bad keys, this only slows guessing down.
    if (decision !== null && !decision.admitted) {
      throw new RateLimitExceededError(decision.limit, decision.resetSeconds);
    }
    const entry = await deps.apiKeys.verify(key, digest);
    return { holder: entry, apiKey: entry };
  };

  const accept = (req: Request, resolved: Resolved): void => {
    if (resolved.apiKey?.allowedEndpoints && !resolved.apiKey.allowedEndpoints(req.path)) {
      throw new EndpointNotAllowedError(req.path);
    }
    const state = stateOf(req);
    state.credential = resolved.holder;
    if (resolved.apiKey) state.apiKey = resolved.apiKey;
    req.identity = resolved.holder.identity;
    req.headers[IDENTITY_HEADER] = deps.signer.headerFor(resolved.holder);
  };

  return (req, _res, next) => {
    const state = stateOf(req);
    state.anonymousRoute = isAnonymousRoute(routeKey(req.method, req.path));
    const credential = credentialOf(req);
    if (credential === null) {
      if (!state.anonymousRoute) throw new UnauthorizedError();
      next();
      return undefined;
    }

    if (state.anonymousRoute) {
      // Optional identity: a credential that does not check out is ignored here.
      return Promise.resolve()
        .then(() => resolve(req, credential))
        .then(
          (resolved) => accept(req, resolved),
          () => undefined,
        )
        .then(() => next());
    }

    const resolved = resolve(req, credential);
    if (resolved instanceof Promise) {
      return resolved.then((r) => {
        accept(req, r);
        next();
      });
    }
    accept(req, resolved);
    next();
    return undefined;
  };
}
