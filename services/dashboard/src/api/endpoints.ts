/**
 * Every endpoint the dashboard calls, in one place: path, method, body, and the `@arasul/contracts` schema
 * its answer is parsed with. A service that changes a shape changes the contract, and the dashboard no
 * longer builds (or, at run time, reports `invalid_response`) instead of showing something wrong.
 */
import {
  type ApiScope,
  type ChangePasswordRequest,
  type CreateApiKeyRequest,
  type CreateUserRequest,
  type HistoryRange,
  type MetricName,
  type StartChatRequest,
  type ThresholdPatch,
  type UpdateUserRequest,
  alertListSchema,
  alertSchema,
  apiKeyListSchema,
  auditLogPageSchema,
  conversationHitListSchema,
  conversationListSchema,
  conversationSchema,
  createdApiKeySchema,
  historySchema,
  installedModelsSchema,
  meSchema,
  messageListSchema,
  metricsSnapshotSchema,
  needsSetupResponseSchema,
  platformHealthSchema,
  sessionListSchema,
  thresholdListSchema,
  thresholdSchema,
  userListSchema,
  userSchema,
  type SearchRequest,
  documentChunkPageSchema,
  searchResponseSchema,
  spaceListSchema,
} from '@arasul/contracts';
import type { ApiClient } from './client';

type Signal = AbortSignal | undefined;

export function endpoints(client: ApiClient) {
  return {
    // ------------------------------------------------------------ platform
    // 503 (auth or Postgres down) still carries the full report.
    health: (signal?: Signal) =>
      client.request('/api/health', platformHealthSchema, { auth: false, accept: [503], signal }),
    needsSetup: () =>
      client
        .request('/api/auth/needs-setup', needsSetupResponseSchema, { auth: false })
        .then((r) => r.needsSetup),

    // ------------------------------------------------------------ my account
    me: () => client.request('/api/auth/me', meSchema),
    sessions: () => client.request('/api/auth/sessions', sessionListSchema).then((r) => r.items),
    endSession: (id: number) => client.call(`/api/auth/sessions/${String(id)}`, { method: 'DELETE' }),
    changePassword: (body: ChangePasswordRequest) =>
      client.call('/api/auth/change-password', { method: 'POST', body }),

    // ------------------------------------------------------------ administration
    users: () => client.request('/api/users', userListSchema).then((r) => r.items),
    createUser: (body: CreateUserRequest) =>
      client.request('/api/users', userSchema, { method: 'POST', body }),
    updateUser: (id: number, body: UpdateUserRequest) =>
      client.request(`/api/users/${String(id)}`, userSchema, { method: 'PATCH', body }),
    unlockUser: (id: number) => client.call(`/api/users/${String(id)}/unlock`, { method: 'POST' }),

    apiKeys: () => client.request('/api/api-keys', apiKeyListSchema).then((r) => r.items),
    createApiKey: (body: CreateApiKeyRequest & { scopes: ApiScope[] }) =>
      client.request('/api/api-keys', createdApiKeySchema, { method: 'POST', body }),
    revokeApiKey: (id: number) => client.call(`/api/api-keys/${String(id)}`, { method: 'DELETE' }),
    rotateApiKey: (id: number) =>
      client.request(`/api/api-keys/${String(id)}/rotate`, createdApiKeySchema, { method: 'POST' }),

    auditLogs: (query: { action?: string; status?: string; limit: number; offset: number }) =>
      client.request('/api/audit/logs', auditLogPageSchema, { query }),

    // ------------------------------------------------------------ metrics and alerts
    liveMetrics: () => client.request('/api/metrics/live', metricsSnapshotSchema),
    /** The SSE stream of samples (event `sample`, parsed with `metricsSnapshotSchema`); read with readSse. */
    metricsStream: (signal: AbortSignal) =>
      client.send('/api/metrics/stream', { headers: { Accept: 'text/event-stream' }, signal }),
    history: (metric: MetricName, range: HistoryRange, points: number, signal?: Signal) =>
      client.request('/api/metrics/history', historySchema, { query: { metric, range, points }, signal }),
    activeAlerts: () => client.request('/api/alerts/active', alertListSchema).then((r) => r.items),
    acknowledgeAlert: (id: number) =>
      client.request(`/api/alerts/history/${String(id)}/acknowledge`, alertSchema, { method: 'POST' }),
    thresholds: () => client.request('/api/alerts/thresholds', thresholdListSchema).then((r) => r.items),
    updateThreshold: (metric: MetricName, body: ThresholdPatch) =>
      client.request(`/api/alerts/thresholds/${metric}`, thresholdSchema, { method: 'PUT', body }),

    // ------------------------------------------------------------ chat
    conversations: () =>
      client.request('/api/chats', conversationListSchema, { query: { limit: 100 } }).then((r) => r.items),
    searchConversations: (q: string, signal?: Signal) =>
      client
        .request('/api/chats/search', conversationHitListSchema, { query: { q, limit: 50 }, signal })
        .then((r) => r.items),
    conversation: (id: string, signal?: Signal) =>
      client.request(`/api/chats/${id}`, conversationSchema, { signal }),
    renameConversation: (id: string, title: string | null) =>
      client.request(`/api/chats/${id}`, conversationSchema, { method: 'PATCH', body: { title } }),
    deleteConversation: (id: string) => client.call(`/api/chats/${id}`, { method: 'DELETE' }),
    messages: (id: string, signal?: Signal) =>
      client
        .request(`/api/chats/${id}/messages`, messageListSchema, { query: { limit: 1000 }, signal })
        .then((r) => r.items),
    installedModels: () => client.request('/api/models/installed', installedModelsSchema),
    /** Starts a chat job; the answer is an SSE stream of job events (the first one names the job). */
    startChat: (body: StartChatRequest, signal: AbortSignal) =>
      client.send('/api/llm/chat', {
        method: 'POST',
        body,
        headers: { Accept: 'text/event-stream' },
        signal,
      }),
    /** Follows a running job again (after a reload): a snapshot first, then the live events. */
    followJob: (jobId: string, signal: AbortSignal) =>
      client.send(`/api/llm/jobs/${jobId}/stream`, { headers: { Accept: 'text/event-stream' }, signal }),
    cancelJob: (jobId: string) => client.call(`/api/llm/jobs/${jobId}`, { method: 'DELETE' }),

    // ------------------------------------------------------------ knowledge search (RAG)
    /** Spaces to answer from (the chat's space picker). */
    ragSpaces: (signal?: Signal) =>
      client.request('/api/spaces', spaceListSchema, { signal }).then((r) => r.items),
    searchDocuments: (body: SearchRequest, signal?: Signal) =>
      client.request('/api/search', searchResponseSchema, { method: 'POST', body, signal }),
    /** The stored file (authorized fetch; the caller makes an object URL of it). */
    documentFile: (documentId: string) => client.send(`/api/documents/${documentId}/download`),
    documentChunks: (documentId: string, signal?: Signal) =>
      client
        .request(`/api/documents/${documentId}/chunks`, documentChunkPageSchema, {
          query: { limit: 200 },
          signal,
        })
        .then((r) => r.items),
  };
}

export type Api = ReturnType<typeof endpoints>;
