import { Router } from 'express';
import { z } from 'zod';
import {
  type LoginResponse,
  changePasswordRequestSchema as changePasswordBody,
  loginRequestSchema as loginBody,
  setupRequestSchema as setupBody,
} from '@arasul/contracts';
import { authorize, identityOf, parseInput } from '@arasul/service-kit';
import type { SessionsService, IssuedSession } from '../sessions/sessions.service';
import { InvalidRefreshTokenError } from '../sessions/sessions.errors';
import { clearSessionCookies, readRefreshCookie, setSessionCookies } from '../shared/cookies';
import { requestMeta } from '../shared/request-meta';
import type { UsersService } from '../users/users.service';
import type { AuthService } from './auth.service';

const idParams = z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) });

/** The public part of a login; the refresh token and CSRF token travel only as cookies. */
function loginResponse(session: IssuedSession): LoginResponse {
  return {
    accessToken: session.accessToken,
    expiresIn: session.expiresIn,
    user: { id: session.user.id, username: session.user.username, role: session.user.role },
  };
}

/** `/api/auth`: setup, login, refresh, logout, the signed-in user's sessions and password. */
export function authRouter(deps: {
  auth: AuthService;
  sessions: SessionsService;
  users: UsersService;
  cookieSecure: boolean;
}): Router {
  const { auth, sessions, users, cookieSecure } = deps;
  const router = Router();
  const signedIn = authorize({ role: 'viewer' });
  const startSession = (res: Parameters<typeof setSessionCookies>[0], session: IssuedSession) => {
    setSessionCookies(
      res,
      {
        refreshToken: session.refreshToken,
        csrfToken: session.csrfToken,
        maxAgeSeconds: session.refreshMaxAgeSeconds,
      },
      cookieSecure,
    );
    res.setHeader('Cache-Control', 'no-store');
  };

  router.get('/needs-setup', async (_req, res) => {
    res.json({ needsSetup: await auth.needsSetup() });
  });

  router.post('/setup', async (req, res) => {
    const body = parseInput(setupBody, req.body, 'request body');
    const session = await auth.setup(body, requestMeta(req));
    startSession(res, session);
    res.status(201).json(loginResponse(session));
  });

  router.post('/login', async (req, res) => {
    const body = parseInput(loginBody, req.body, 'request body');
    const session = await auth.login(body, requestMeta(req));
    startSession(res, session);
    res.json(loginResponse(session));
  });

  router.post('/refresh', async (req, res) => {
    const token = readRefreshCookie(req);
    if (token === undefined) throw new InvalidRefreshTokenError();
    const session = await sessions.refresh(token, requestMeta(req)).catch((error: unknown) => {
      // A refresh cookie that no longer works is useless to the browser: drop it with the error.
      clearSessionCookies(res, cookieSecure);
      throw error;
    });
    startSession(res, session);
    res.json(loginResponse(session));
  });

  router.post('/logout', async (req, res) => {
    await auth.logout(req.identity, readRefreshCookie(req), requestMeta(req));
    clearSessionCookies(res, cookieSecure);
    res.status(204).end();
  });

  router.post('/logout-all', signedIn, async (req, res) => {
    await auth.logoutAll(identityOf(req), requestMeta(req));
    clearSessionCookies(res, cookieSecure);
    res.status(204).end();
  });

  router.get('/me', signedIn, async (req, res) => {
    res.json(await auth.me(identityOf(req)));
  });

  router.get('/sessions', signedIn, async (req, res) => {
    const identity = identityOf(req);
    res.json({ items: await sessions.list(identity.userId, identity.sessionId) });
  });

  router.delete('/sessions/:id', signedIn, async (req, res) => {
    const { id } = parseInput(idParams, req.params, 'path');
    await sessions.terminate(id, identityOf(req), requestMeta(req));
    res.status(204).end();
  });

  router.post('/change-password', signedIn, async (req, res) => {
    const body = parseInput(changePasswordBody, req.body, 'request body');
    await users.changePassword(identityOf(req), body, requestMeta(req));
    res.status(204).end();
  });

  return router;
}
