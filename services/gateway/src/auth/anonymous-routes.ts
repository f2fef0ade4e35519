/**
 * The only API routes a caller may use without an identity. Each is protected another way: health shows
 * no secrets, the auth routes check credentials (and login is rate limited per IP), the n8n webhook is
 * HMAC-signed and verified by auth, the Telegram webhook carries Telegram's secret token and is verified by the
 * notifier (which mounts it only in webhook mode). Everything else under /api, /v1 and /ollama needs an identity.
 */
const ANONYMOUS_ROUTES = new Set([
  'GET /api/health',
  'GET /api/auth/needs-setup',
  'POST /api/auth/setup',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'POST /api/webhooks/n8n',
  'POST /api/telegram/webhook',
]);

export const LOGIN_ROUTE = 'POST /api/auth/login';

/**
 * `METHOD /path` with HEAD treated as GET, one trailing slash ignored and the path lower-cased: the
 * services' Express routers match case-insensitively, so `/api/auth/Login` is the login route too.
 */
export function routeKey(method: string, path: string): string {
  const lower = path.toLowerCase();
  const trimmed = lower.length > 1 && lower.endsWith('/') ? lower.slice(0, -1) : lower;
  return `${method === 'HEAD' ? 'GET' : method} ${trimmed}`;
}

export function isAnonymousRoute(key: string): boolean {
  return ANONYMOUS_ROUTES.has(key);
}
