import { z } from 'zod';
import { type LoginResponse, userListSchema } from '@arasul/contracts';
import { ApiClient } from './client';
import { ApiError } from './errors';

/** A scripted gateway: each call is recorded, answers come from `handler`. */
function fakeGateway(handler: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const headers = (init?.headers ?? {}) as Record<string, string>;
    const call: Call = {
      url: input instanceof Request ? input.url : input.toString(),
      method: init?.method ?? 'GET',
      headers,
      body: init?.body === undefined ? undefined : JSON.parse(init.body as string),
    };
    calls.push(call);
    return handler(call);
  }) as typeof fetch;
  return { calls, fetchImpl };
}

interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: unknown;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

const session = (token: string): LoginResponse => ({
  accessToken: token,
  expiresIn: 900,
  user: { id: 1, username: 'anna', role: 'admin' },
});

function client(fetchImpl: typeof fetch, cookies: Record<string, string> = { arasul_csrf: 'csrf-1' }) {
  return new ApiClient({
    fetch: fetchImpl,
    readCookie: (name) => cookies[name],
    withLock: (_name, task) => task(),
    schedule: () => () => undefined,
  });
}

/** These tests are about transport (tokens, refresh, CSRF), so any JSON body is accepted. */
const anything = z.unknown();

describe('ApiClient', () => {
  it('parses answers with their contract schema and reports a mismatch as invalid_response', async () => {
    const gw = fakeGateway(() => json(200, { items: [{ id: 1, username: 'anna' }] }));
    const api = client(gw.fetchImpl);
    const error = await api.request('/api/users', userListSchema).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: 'invalid_response' });
    expect((error as ApiError).message).toContain('items.0.role');
  });

  it('keeps the token from login in memory and sends it as a Bearer header', async () => {
    const gw = fakeGateway((call) =>
      call.url === '/api/auth/login' ? json(200, session('token-a')) : json(200, { ok: true }),
    );
    const api = client(gw.fetchImpl);
    const user = await api.login('anna', 'correct horse battery');
    expect(user.username).toBe('anna');
    expect(gw.calls[0]?.headers.Authorization).toBeUndefined();
    await api.request('/api/auth/me', anything);
    expect(gw.calls[1]?.headers.Authorization).toBe('Bearer token-a');
  });

  it('refreshes once on a 401 and retries the request with the new token', async () => {
    let refreshes = 0;
    const gw = fakeGateway((call) => {
      if (call.url === '/api/auth/login') return json(200, session('old'));
      if (call.url === '/api/auth/refresh') {
        refreshes += 1;
        return json(200, session('new'));
      }
      return call.headers.Authorization === 'Bearer new'
        ? json(200, { items: [1] })
        : json(401, { error: { code: 'unauthorized', message: 'Authentication is required.' } });
    });
    const api = client(gw.fetchImpl);
    await api.login('anna', 'pw');
    await expect(api.request('/api/users', anything)).resolves.toEqual({ items: [1] });
    expect(refreshes).toBe(1);
    expect(gw.calls.map((c) => `${c.method} ${c.url} ${c.headers.Authorization ?? '-'}`)).toEqual([
      'POST /api/auth/login -',
      'GET /api/users Bearer old',
      'POST /api/auth/refresh -',
      'GET /api/users Bearer new',
    ]);
  });

  it('runs a single refresh for concurrent 401s (a second refresh would reuse a rotated token)', async () => {
    let refreshes = 0;
    let release: () => void = () => undefined;
    const refreshGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const gw = fakeGateway(async (call) => {
      if (call.url === '/api/auth/login') return json(200, session('old'));
      if (call.url === '/api/auth/refresh') {
        refreshes += 1;
        await refreshGate;
        return json(200, session('new'));
      }
      return call.headers.Authorization === 'Bearer new'
        ? json(200, { url: call.url })
        : json(401, { error: { code: 'unauthorized', message: 'no' } });
    });
    const api = client(gw.fetchImpl);
    await api.login('anna', 'pw');
    const results = Promise.all([
      api.request('/a', anything),
      api.request('/b', anything),
      api.request('/c', anything),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 10));
    release();
    await expect(results).resolves.toEqual([{ url: '/a' }, { url: '/b' }, { url: '/c' }]);
    expect(refreshes).toBe(1);
  });

  it('signs out and throws the original error when the refresh is refused', async () => {
    const gw = fakeGateway((call) => {
      if (call.url === '/api/auth/login') return json(200, session('old'));
      if (call.url === '/api/auth/refresh')
        return json(401, { error: { code: 'refresh_reused', message: 'reused' } });
      return json(401, { error: { code: 'session_revoked', message: 'This session was ended.' } });
    });
    const api = client(gw.fetchImpl);
    const seen: (string | null)[] = [];
    api.onSessionChange((user) => seen.push(user?.username ?? null));
    await api.login('anna', 'pw');
    const error = await api.request('/api/auth/me', anything).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'session_revoked' });
    expect(api.currentUser).toBeNull();
    expect(api.token).toBeNull();
    expect(seen).toEqual(['anna', null]);
  });

  it('sends the CSRF cookie as X-CSRF-Token on unsafe requests only', async () => {
    const gw = fakeGateway(() => json(200, {}));
    const api = client(gw.fetchImpl, { arasul_csrf: 'csrf-xyz' });
    await api.request('/api/x', anything);
    await api.request('/api/x', anything, { method: 'POST', body: { a: 1 } });
    await api.request('/api/x', anything, { method: 'DELETE' });
    expect(gw.calls.map((c) => c.headers['X-CSRF-Token'])).toEqual([undefined, 'csrf-xyz', 'csrf-xyz']);
    expect(gw.calls[1]?.headers['Content-Type']).toBe('application/json');
    expect(gw.calls[1]?.body).toEqual({ a: 1 });
  });

  it('restores a session from the refresh cookie, with the CSRF header, and only when the cookie exists', async () => {
    const gw = fakeGateway(() => json(200, session('restored')));
    const without = client(gw.fetchImpl, {});
    await expect(without.restore()).resolves.toBeNull();
    expect(gw.calls).toHaveLength(0);

    const api = client(gw.fetchImpl, { arasul_csrf: 'c' });
    await expect(api.restore()).resolves.toMatchObject({ username: 'anna' });
    expect(gw.calls[0]).toMatchObject({ url: '/api/auth/refresh', method: 'POST' });
    expect(gw.calls[0]?.headers['X-CSRF-Token']).toBe('c');
    expect(api.token).toBe('restored');
  });

  it('does not sign anybody out when the network fails during a refresh', async () => {
    const gw = fakeGateway((call) => {
      if (call.url === '/api/auth/login') return json(200, session('old'));
      if (call.url === '/api/auth/refresh') throw new TypeError('Failed to fetch');
      return json(401, { error: { code: 'unauthorized', message: 'no' } });
    });
    const api = client(gw.fetchImpl);
    await api.login('anna', 'pw');
    const error = await api.request('/x', anything).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 0, code: 'network_error' });
    expect(api.currentUser?.username).toBe('anna');
  });

  it('turns a failed fetch into ApiError(network_error) and keeps an abort an AbortError', async () => {
    const api = client((() => Promise.reject(new TypeError('Failed to fetch'))) as typeof fetch);
    await expect(api.request('/x', anything, { auth: false })).rejects.toMatchObject({
      status: 0,
      code: 'network_error',
    });
    const aborting = client((() =>
      Promise.reject(new DOMException('aborted', 'AbortError'))) as typeof fetch);
    await expect(aborting.request('/x', anything, { auth: false })).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('reads the body of an accepted error status (503 from /api/health)', async () => {
    const gw = fakeGateway(() => json(503, { status: 'down' }));
    const api = client(gw.fetchImpl);
    await expect(api.request('/api/health', anything, { auth: false, accept: [503] })).resolves.toEqual({
      status: 'down',
    });
    await expect(api.request('/api/health', anything, { auth: false })).rejects.toMatchObject({
      status: 503,
    });
  });

  it('logs out on the server with token and CSRF header, then forgets the session', async () => {
    const gw = fakeGateway((call) =>
      call.url === '/api/auth/login' ? json(200, session('t1')) : new Response(null, { status: 204 }),
    );
    const api = client(gw.fetchImpl, { arasul_csrf: 'c2' });
    await api.login('anna', 'pw');
    await api.logout();
    expect(gw.calls[1]).toMatchObject({ url: '/api/auth/logout', method: 'POST' });
    expect(gw.calls[1]?.headers).toMatchObject({ Authorization: 'Bearer t1', 'X-CSRF-Token': 'c2' });
    expect(api.currentUser).toBeNull();
  });

  it('refreshes ahead of time, shortly before the access token expires', async () => {
    const timers: { ms: number; task: () => void }[] = [];
    const gw = fakeGateway((call) =>
      json(200, session(call.url === '/api/auth/refresh' ? 'fresh' : 'first')),
    );
    const api = new ApiClient({
      fetch: gw.fetchImpl,
      readCookie: () => 'c',
      withLock: (_n, task) => task(),
      schedule: (task, ms) => {
        timers.push({ task, ms });
        return () => undefined;
      },
    });
    await api.login('anna', 'pw');
    expect(timers[0]?.ms).toBe(840_000);
    timers[0]?.task();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(api.token).toBe('fresh');
  });
});
