import type { z } from 'zod';
import {
  type LoginResponse,
  type SessionUser,
  type SetupRequest,
  loginResponseSchema,
} from '@arasul/contracts';
import { ApiError } from './errors';
import { withTabLock } from './lock';

/**
 * The one way the dashboard talks to the gateway.
 *
 * - The access token lives only in memory (never in storage a script could read later). A page load
 *   gets a new one through the httpOnly refresh cookie (`POST /api/auth/refresh`).
 * - A 401 on an authenticated call triggers one refresh and one retry. Refreshes are single-flight in
 *   this tab and serialized across tabs (Web Locks): auth rotates the refresh token, and presenting an
 *   already-used one ends the session, so two parallel refreshes must never happen.
 * - Unsafe requests carry `X-CSRF-Token` = the readable `arasul_csrf` cookie (the gateway's
 *   double-submit check for cookie-authenticated calls such as refresh and logout).
 * - Every non-2xx answer becomes an `ApiError` (see errors.ts); nothing else is thrown at callers.
 */

export interface RequestOptions {
  method?: string;
  /** Sent as JSON. */
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  headers?: Record<string, string>;
  signal?: AbortSignal | undefined;
  /** false: send no token and never refresh (login, setup, health). Default true. */
  auth?: boolean;
  /** Error statuses whose body is still the answer (e.g. 503 from /api/health). */
  accept?: number[];
}

export interface ApiClientDeps {
  fetch?: typeof fetch;
  /** Reads a cookie visible to scripts (the CSRF cookie). */
  readCookie?: (name: string) => string | undefined;
  /** Runs `task` holding a lock shared by every tab of this origin. */
  withLock?: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  now?: () => number;
  /** Timer for the proactive refresh; tests pass a no-op. */
  schedule?: (task: () => void, ms: number) => () => void;
}

export const CSRF_COOKIE = 'arasul_csrf';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Refresh this long before the access token expires, so requests rarely meet a 401. */
const REFRESH_MARGIN_MS = 60_000;

type SessionListener = (user: SessionUser | null) => void;

export class ApiClient {
  private accessToken: string | null = null;
  private expiresAt = 0;
  private user: SessionUser | null = null;
  private refreshing: Promise<boolean> | null = null;
  private cancelTimer: () => void = () => undefined;
  private readonly listeners = new Set<SessionListener>();
  private readonly fetchImpl: typeof fetch;
  private readonly readCookie: (name: string) => string | undefined;
  private readonly withLock: <T>(name: string, task: () => Promise<T>) => Promise<T>;
  private readonly now: () => number;
  private readonly schedule: (task: () => void, ms: number) => () => void;

  constructor(deps: ApiClientDeps = {}) {
    this.fetchImpl = deps.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.readCookie = deps.readCookie ?? readDocumentCookie;
    this.withLock = deps.withLock ?? withTabLock;
    this.now = deps.now ?? Date.now;
    this.schedule =
      deps.schedule ??
      ((task, ms) => {
        const id = setTimeout(task, ms);
        return () => clearTimeout(id);
      });
  }

  get currentUser(): SessionUser | null {
    return this.user;
  }

  /** The bearer token, for callers that must hand it to something else (tests, diagnostics). */
  get token(): string | null {
    return this.accessToken;
  }

  onSessionChange(listener: SessionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * JSON request whose answer is checked against its contract schema; a body that does not match becomes
   * an `ApiError` with code `invalid_response` (a renamed field fails here, not somewhere in a page).
   */
  async request<S extends z.ZodType>(
    path: string,
    schema: S,
    options: RequestOptions = {},
  ): Promise<z.output<S>> {
    const response = await this.send(path, options);
    let body: unknown;
    try {
      body = await response.json();
    } catch {
      throw ApiError.invalidResponse(path, 'not JSON');
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw ApiError.invalidResponse(
        path,
        parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; '),
      );
    }
    return parsed.data;
  }

  /** A request whose answer has no body the dashboard reads (204, or an acknowledgement). */
  async call(path: string, options: RequestOptions = {}): Promise<void> {
    await this.send(path, options);
  }

  /**
   * The response itself (for streams), after authentication, refresh-and-retry and error mapping: it is
   * always a 2xx. Network failures become `ApiError` with status 0; an abort stays an AbortError.
   */
  async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const useAuth = options.auth !== false;
    if (useAuth && this.accessToken !== null && this.expiresAt - this.now() < 5_000) {
      await this.refresh().catch(() => false);
    }
    let response = await this.fetchOnce(path, options, useAuth);
    if (response.status === 401 && useAuth) {
      const refreshed = await this.refresh();
      if (refreshed) response = await this.fetchOnce(path, options, true);
    }
    if (!response.ok && !options.accept?.includes(response.status)) {
      const error = await ApiError.fromResponse(response);
      if (error.status === 401 && useAuth) this.setSession(null);
      throw error;
    }
    return response;
  }

  /** First-run setup: creates the first administrator and signs in. */
  async setup(input: SetupRequest): Promise<SessionUser> {
    const body = await this.request('/api/auth/setup', loginResponseSchema, {
      method: 'POST',
      body: input,
      auth: false,
    });
    this.setSession(body);
    return body.user;
  }

  async login(username: string, password: string): Promise<SessionUser> {
    const body = await this.request('/api/auth/login', loginResponseSchema, {
      method: 'POST',
      body: { username, password },
      auth: false,
    });
    this.setSession(body);
    return body.user;
  }

  /**
   * A new access token from the refresh cookie. true: signed in; false: the cookie is gone or no longer
   * valid (signed out). Network trouble rejects instead, so a blip does not sign anybody out.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= this.withLock('arasul-refresh', () => this.refreshNow()).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** On page load: resume the session the refresh cookie stands for, if any. */
  async restore(): Promise<SessionUser | null> {
    if (this.user) return this.user;
    if (this.readCookie(CSRF_COOKIE) === undefined) return null;
    return (await this.refresh()) ? this.user : null;
  }

  /** Ends the session on the server (the token is refused from now on) and forgets it here. */
  async logout(): Promise<void> {
    try {
      await this.fetchOnce('/api/auth/logout', { method: 'POST' }, true);
    } finally {
      this.setSession(null);
    }
  }

  private async refreshNow(): Promise<boolean> {
    let response: Response;
    try {
      response = await this.fetchOnce('/api/auth/refresh', { method: 'POST' }, false);
    } catch (error) {
      throw error instanceof ApiError ? error : ApiError.network(error);
    }
    if (response.ok) {
      const parsed = loginResponseSchema.safeParse(await response.json());
      if (!parsed.success) throw ApiError.invalidResponse('/api/auth/refresh', parsed.error.message);
      this.setSession(parsed.data);
      return true;
    }
    if (response.status === 401 || response.status === 403) {
      this.setSession(null);
      return false;
    }
    throw await ApiError.fromResponse(response);
  }

  private async fetchOnce(path: string, options: RequestOptions, withToken: boolean): Promise<Response> {
    const method = (options.method ?? 'GET').toUpperCase();
    const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    if (withToken && this.accessToken !== null) headers.Authorization = `Bearer ${this.accessToken}`;
    if (!SAFE_METHODS.has(method)) {
      const csrf = this.readCookie(CSRF_COOKIE);
      if (csrf !== undefined) headers['X-CSRF-Token'] = csrf;
    }
    try {
      return await this.fetchImpl(withQuery(path, options.query), {
        method,
        headers,
        credentials: 'same-origin',
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (error instanceof DOMException && error.name === 'AbortError') throw error;
      throw ApiError.network(error);
    }
  }

  private setSession(session: LoginResponse | null): void {
    this.cancelTimer();
    const before = this.user;
    if (session === null) {
      this.accessToken = null;
      this.expiresAt = 0;
      this.user = null;
    } else {
      this.accessToken = session.accessToken;
      this.expiresAt = this.now() + session.expiresIn * 1000;
      this.user = session.user;
      const inMs = Math.max(5_000, session.expiresIn * 1000 - REFRESH_MARGIN_MS);
      this.cancelTimer = this.schedule(() => void this.refresh().catch(() => undefined), inMs);
    }
    const changed =
      before?.id !== this.user?.id ||
      before?.role !== this.user?.role ||
      before?.username !== this.user?.username;
    if (changed) for (const listener of [...this.listeners]) listener(this.user);
  }
}

export function withQuery(path: string, query: RequestOptions['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text === '' ? path : `${path}${path.includes('?') ? '&' : '?'}${text}`;
}

function readDocumentCookie(name: string): string | undefined {
  if (typeof document === 'undefined') return undefined;
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}
