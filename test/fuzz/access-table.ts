import type { ApiScope, Role } from '@arasul/service-kit';

/**
 * Who may call what, per route, as a table the fuzz suite checks every answer against:
 * `anonymous` routes need nobody; otherwise a signed-in user needs at least `role`, and an API key needs
 * `scope` (no scope: keys are refused). Every route a service's router has must be listed here — a new
 * route without a row fails the suite, so nobody forgets to decide.
 */
export type Access = { anonymous: true } | { anonymous?: false; role: Role; scope?: ApiScope };

const anyone: Access = { anonymous: true };
const signedIn: Access = { role: 'viewer' };
const admin: Access = { role: 'admin' };
const chat: Access = { role: 'operator', scope: 'llm:chat' };
const models: Access = { role: 'viewer', scope: 'llm:models' };
const metrics: Access = { role: 'viewer', scope: 'metrics:read' };
const documentsRead: Access = { role: 'viewer', scope: 'documents:read' };
const documentsWrite: Access = { role: 'operator', scope: 'documents:write' };

export const ACCESS: Record<string, Access> = {
  // auth
  'GET /api/auth/needs-setup': anyone,
  'POST /api/auth/setup': anyone,
  'POST /api/auth/login': anyone,
  'POST /api/auth/refresh': anyone,
  'POST /api/auth/logout': anyone,
  'POST /api/auth/logout-all': signedIn,
  'GET /api/auth/me': signedIn,
  'GET /api/auth/sessions': signedIn,
  'DELETE /api/auth/sessions/:id': signedIn,
  'POST /api/auth/change-password': signedIn,
  'GET /api/users': admin,
  'POST /api/users': admin,
  'GET /api/users/:id': admin,
  'PATCH /api/users/:id': admin,
  'DELETE /api/users/:id': admin,
  'POST /api/users/:id/unlock': admin,
  'GET /api/api-keys': admin,
  'POST /api/api-keys': admin,
  'DELETE /api/api-keys/:id': admin,
  'POST /api/api-keys/:id/rotate': admin,
  'GET /api/audit/logs': admin,
  'GET /api/audit/api/daily': admin,
  'GET /api/audit/api/endpoints': admin,
  'POST /api/webhooks/n8n': anyone,
  // llm-queue
  'GET /api/chats': chat,
  'POST /api/chats': chat,
  'GET /api/chats/search': chat,
  'GET /api/chats/:id': chat,
  'PATCH /api/chats/:id': chat,
  'DELETE /api/chats/:id': chat,
  'GET /api/chats/:id/export': chat,
  'GET /api/chats/:id/messages': chat,
  'POST /api/llm/chat': chat,
  'GET /api/llm/jobs': chat,
  'GET /api/llm/jobs/:id': chat,
  'DELETE /api/llm/jobs/:id': chat,
  'GET /api/llm/jobs/:id/stream': chat,
  'GET /api/llm/queue': { role: 'viewer', scope: 'llm:chat' },
  'GET /api/models/catalog': models,
  'GET /api/models/installed': models,
  'GET /api/models/switches': models,
  'POST /api/models/pull': admin,
  'POST /api/models/default': admin,
  'DELETE /api/models/*name': admin,
  'POST /v1/chat/completions': chat,
  'POST /v1/embeddings': chat,
  'GET /v1/models': models,
  'POST /ollama/api/chat': chat,
  'POST /ollama/api/generate': chat,
  'POST /ollama/api/embed': chat,
  'GET /ollama/api/tags': models,
  'GET /ollama/api/ps': models,
  'POST /ollama/api/show': models,
  'GET /ollama/api/version': models,
  // metrics-collector
  'GET /api/metrics/live': metrics,
  'GET /api/metrics/history': metrics,
  'GET /api/metrics/stream': metrics,
  'GET /api/metrics/retention': metrics,
  'GET /api/alerts/active': metrics,
  'GET /api/alerts/history': metrics,
  'POST /api/alerts/history/:id/acknowledge': { role: 'operator' },
  'GET /api/alerts/thresholds': metrics,
  'PUT /api/alerts/thresholds/:metric': { role: 'operator' },
  // self-healing-agent
  'POST /api/self-healing/ask': { role: 'operator' },
  'GET /api/self-healing/status': signedIn,
  'GET /api/self-healing/events': signedIn,
  'GET /api/self-healing/settings': admin,
  'PUT /api/self-healing/settings': admin,
  'POST /api/services/:name/:action': admin,
  // telegram-notifier
  'GET /api/notifications/settings': admin,
  'PUT /api/notifications/settings': admin,
  'GET /api/notifications/rules': admin,
  'POST /api/notifications/rules': admin,
  'PATCH /api/notifications/rules/:id': admin,
  'DELETE /api/notifications/rules/:id': admin,
  'GET /api/notifications/events': admin,
  'POST /api/notifications/events/:id/retry': admin,
  'POST /api/notifications/test': admin,
  'GET /api/notifications/webhooks': admin,
  'POST /api/notifications/webhooks': admin,
  'POST /api/notifications/webhooks/:id/test': admin,
  'DELETE /api/notifications/webhooks/:id': admin,
  'GET /api/telegram/status': admin,
  'POST /api/telegram/setup': admin,
  'GET /api/telegram/setup/:code': admin,
  'GET /api/telegram/setup/:code/events': admin,
  'POST /api/telegram/chats/link': admin,
  'DELETE /api/telegram': admin,
  // document-indexer
  'POST /api/documents': documentsWrite,
  'GET /api/documents': documentsRead,
  'GET /api/documents/stats': documentsRead,
  'GET /api/documents/events': documentsRead,
  'POST /api/documents/retry-failed': documentsWrite,
  'GET /api/documents/:id': documentsRead,
  'GET /api/documents/:id/chunks': documentsRead,
  'GET /api/documents/:id/download': documentsRead,
  'POST /api/documents/:id/reindex': documentsWrite,
  'PATCH /api/documents/:id': documentsWrite,
  'DELETE /api/documents/:id': documentsWrite,
  'GET /api/spaces': documentsRead,
  'GET /api/spaces/:id': documentsRead,
  'POST /api/spaces': documentsWrite,
  'PATCH /api/spaces/:id': documentsWrite,
  'DELETE /api/spaces/:id': documentsWrite,
  'POST /api/search': documentsRead,
  'GET /api/rag/settings': admin,
  'PUT /api/rag/settings': admin,
};

/** Routes that end the caller's own session when they succeed: sent without a user session. */
export const ENDS_OWN_SESSION = new Set(['POST /api/auth/logout', 'POST /api/auth/logout-all']);
