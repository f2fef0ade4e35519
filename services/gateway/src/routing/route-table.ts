/**
 * THE route table of the platform: which service owns which public path. Paths are forwarded unchanged
 * (`/api/chats/7` reaches llm-queue as `/api/chats/7`). A prefix matches itself and everything below it
 * on a segment boundary (`/api/auth` matches `/api/auth/login`, not `/api/authority`).
 */
export const UPSTREAMS = {
  auth: { env: 'AUTH_URL', defaultPort: 8081, dir: 'auth' },
  'llm-queue': { env: 'LLM_QUEUE_URL', defaultPort: 8082, dir: 'llm-queue' },
  'metrics-collector': { env: 'METRICS_URL', defaultPort: 8083, dir: 'metrics-collector' },
  'document-indexer': { env: 'DOCUMENT_INDEXER_URL', defaultPort: 8084, dir: 'document-indexer' },
  'self-healing-agent': { env: 'SELF_HEALING_URL', defaultPort: 8085, dir: 'self-healing-agent' },
  'telegram-notifier': { env: 'TELEGRAM_NOTIFIER_URL', defaultPort: 8086, dir: 'telegram-notifier' },
  'update-manager': { env: 'UPDATE_MANAGER_URL', defaultPort: 8087, dir: 'update-manager' },
  datentabellen: { env: 'DATENTABELLEN_URL', defaultPort: 8088, dir: 'datentabellen' },
} as const;

export type UpstreamName = keyof typeof UPSTREAMS;
export const UPSTREAM_NAMES = Object.keys(UPSTREAMS) as UpstreamName[];

export interface RouteEntry {
  prefix: string;
  upstream: UpstreamName;
  /** Methods whose bodies may be large uploads (streamed, counted against UPLOAD_LIMIT_BYTES). */
  uploadMethods?: readonly string[];
}

export const ROUTES: readonly RouteEntry[] = [
  { prefix: '/api/auth', upstream: 'auth' },
  { prefix: '/api/users', upstream: 'auth' },
  { prefix: '/api/api-keys', upstream: 'auth' },
  { prefix: '/api/audit', upstream: 'auth' },
  { prefix: '/api/webhooks', upstream: 'auth' },

  { prefix: '/api/chats', upstream: 'llm-queue' },
  { prefix: '/api/llm', upstream: 'llm-queue' },
  { prefix: '/api/models', upstream: 'llm-queue' },
  { prefix: '/v1', upstream: 'llm-queue' }, // OpenAI-compatible
  { prefix: '/ollama/api', upstream: 'llm-queue' }, // Ollama-compatible

  { prefix: '/api/metrics', upstream: 'metrics-collector' },
  { prefix: '/api/alerts', upstream: 'metrics-collector' },

  { prefix: '/api/documents', upstream: 'document-indexer', uploadMethods: ['POST'] },
  { prefix: '/api/spaces', upstream: 'document-indexer' },
  { prefix: '/api/search', upstream: 'document-indexer' },
  { prefix: '/api/rag', upstream: 'document-indexer' }, // retrieval settings

  { prefix: '/api/self-healing', upstream: 'self-healing-agent' },
  { prefix: '/api/services', upstream: 'self-healing-agent' },

  { prefix: '/api/telegram', upstream: 'telegram-notifier' },
  { prefix: '/api/notifications', upstream: 'telegram-notifier' },

  { prefix: '/api/updates', upstream: 'update-manager', uploadMethods: ['POST'] },

  { prefix: '/api/tables', upstream: 'datentabellen' },
  { prefix: '/api/quotes', upstream: 'datentabellen' },
];

/** Paths the gateway guards (authentication, rate limits, audit); everything else is the dashboard. */
export function isApiPath(path: string): boolean {
  return (
    path === '/api' ||
    path.startsWith('/api/') ||
    path === '/v1' ||
    path.startsWith('/v1/') ||
    path === '/ollama' ||
    path.startsWith('/ollama/')
  );
}

/** Longest prefix first, so a more specific entry added later wins over a shorter one. */
const ORDERED = [...ROUTES].sort((a, b) => b.prefix.length - a.prefix.length);

export function matchRoute(path: string): RouteEntry | undefined {
  for (const route of ORDERED) {
    if (
      path.startsWith(route.prefix) &&
      (path.length === route.prefix.length || path[route.prefix.length] === '/')
    ) {
      return route;
    }
  }
  return undefined;
}

export function isUpload(route: RouteEntry, method: string): boolean {
  return route.uploadMethods?.includes(method) ?? false;
}
