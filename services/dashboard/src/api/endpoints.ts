/**
 * Every endpoint the dashboard calls, in one place: when a service changes a path or a shape, this is
 * the file to change. Each function is thin: path, method, body, the documented response type.
 */
import type { ApiClient } from './client';
import type {
  AlertDto,
  ApiKeyDto,
  ApiScope,
  AuditLogDto,
  ConversationDto,
  CreatedApiKey,
  HistoryPoint,
  HistoryRange,
  InstalledModels,
  MessageDto,
  MetricName,
  MetricsSnapshot,
  Page,
  PlatformHealth,
  RagSpaceDto,
  Role,
  SearchResultDto,
  SessionDto,
  ThresholdDto,
  ThresholdPatch,
  UserDto,
} from './types';

type Signal = AbortSignal | undefined;

export function endpoints(client: ApiClient) {
  const get = <T>(path: string, query?: Record<string, string | number | undefined>, signal?: Signal) =>
    client.request<T>(path, { query, signal });

  return {
    // ------------------------------------------------------------ platform
    // 503 (auth or Postgres down) still carries the full report.
    health: (signal?: Signal) =>
      client.request<PlatformHealth>('/api/health', { auth: false, accept: [503], signal }),
    needsSetup: () =>
      client
        .request<{ needsSetup: boolean }>('/api/auth/needs-setup', { auth: false })
        .then((r) => r.needsSetup),

    // ------------------------------------------------------------ my account
    me: () => get<UserDto & { sessionId: number | null }>('/api/auth/me'),
    sessions: () => get<{ items: SessionDto[] }>('/api/auth/sessions').then((r) => r.items),
    endSession: (id: number) => client.request<void>(`/api/auth/sessions/${id}`, { method: 'DELETE' }),
    changePassword: (currentPassword: string, newPassword: string) =>
      client.request<void>('/api/auth/change-password', {
        method: 'POST',
        body: { currentPassword, newPassword },
      }),

    // ------------------------------------------------------------ administration
    users: () => get<{ items: UserDto[] }>('/api/users').then((r) => r.items),
    createUser: (input: { username: string; password: string; role: Role; email?: string }) =>
      client.request<UserDto>('/api/users', { method: 'POST', body: input }),
    updateUser: (id: number, patch: { role?: Role; isActive?: boolean }) =>
      client.request<UserDto>(`/api/users/${id}`, { method: 'PATCH', body: patch }),
    unlockUser: (id: number) => client.request<unknown>(`/api/users/${id}/unlock`, { method: 'POST' }),

    apiKeys: () => get<{ items: ApiKeyDto[] }>('/api/api-keys').then((r) => r.items),
    createApiKey: (input: { name: string; scopes: ApiScope[]; expiresAt?: string; description?: string }) =>
      client.request<CreatedApiKey>('/api/api-keys', { method: 'POST', body: input }),
    revokeApiKey: (id: number) => client.request<void>(`/api/api-keys/${id}`, { method: 'DELETE' }),
    rotateApiKey: (id: number) =>
      client.request<CreatedApiKey>(`/api/api-keys/${id}/rotate`, { method: 'POST' }),

    auditLogs: (query: { action?: string; status?: string; limit: number; offset: number }) =>
      get<Page<AuditLogDto>>('/api/audit/logs', query),

    // ------------------------------------------------------------ metrics and alerts
    liveMetrics: () => get<MetricsSnapshot>('/api/metrics/live'),
    /** The SSE stream of samples (event `sample`); read with readSse. */
    metricsStream: (signal: AbortSignal) =>
      client.send('/api/metrics/stream', { headers: { Accept: 'text/event-stream' }, signal }),
    history: (metric: MetricName, range: HistoryRange, points: number, signal?: Signal) =>
      get<HistoryPoint[]>('/api/metrics/history', { metric, range, points }, signal),
    activeAlerts: () => get<{ items: AlertDto[] }>('/api/alerts/active').then((r) => r.items),
    acknowledgeAlert: (id: number) =>
      client.request<AlertDto>(`/api/alerts/history/${id}/acknowledge`, { method: 'POST' }),
    thresholds: () => get<{ items: ThresholdDto[] }>('/api/alerts/thresholds').then((r) => r.items),
    updateThreshold: (metric: MetricName, patch: ThresholdPatch) =>
      client.request<ThresholdDto>(`/api/alerts/thresholds/${metric}`, { method: 'PUT', body: patch }),

    // ------------------------------------------------------------ chat
    conversations: () => get<{ items: ConversationDto[] }>('/api/chats', { limit: 100 }).then((r) => r.items),
    searchConversations: (q: string, signal?: Signal) =>
      get<{ items: ConversationDto[] }>('/api/chats/search', { q, limit: 50 }, signal).then((r) => r.items),
    renameConversation: (id: string, title: string | null) =>
      client.request<ConversationDto>(`/api/chats/${id}`, { method: 'PATCH', body: { title } }),
    deleteConversation: (id: string) => client.request<void>(`/api/chats/${id}`, { method: 'DELETE' }),
    messages: (id: string, signal?: Signal) =>
      get<{ items: MessageDto[] }>(`/api/chats/${id}/messages`, { limit: 1000 }, signal).then((r) => r.items),
    installedModels: () => get<InstalledModels>('/api/models/installed'),
    /** Starts a chat job; the answer is an SSE stream of job events (the first one names the job). */
    startChat: (
      input: { conversationId?: string; message: string; model?: string; rag?: { spaceIds?: string[] } },
      signal: AbortSignal,
    ) =>
      client.send('/api/llm/chat', {
        method: 'POST',
        body: input,
        headers: { Accept: 'text/event-stream' },
        signal,
      }),
    /** Follows a running job again (after a reload): a snapshot first, then the live events. */
    followJob: (jobId: string, signal: AbortSignal) =>
      client.send(`/api/llm/jobs/${jobId}/stream`, { headers: { Accept: 'text/event-stream' }, signal }),
    cancelJob: (jobId: string) => client.request<unknown>(`/api/llm/jobs/${jobId}`, { method: 'DELETE' }),

    // ------------------------------------------------------------ knowledge search (RAG)
    /** Spaces to answer from (the chat's space picker). */
    ragSpaces: (signal?: Signal) =>
      get<{ items: RagSpaceDto[] }>('/api/spaces', undefined, signal).then((r) => r.items),
    searchDocuments: (body: { query: string; spaceIds?: string[]; limit?: number }, signal?: Signal) =>
      client.request<SearchResultDto>('/api/search', { method: 'POST', body, signal }),
    /** The stored file (authorized fetch; the caller makes an object URL of it). */
    documentFile: (documentId: string) => client.send(`/api/documents/${documentId}/download`),
    documentChunks: (documentId: string, signal?: Signal) =>
      get<{ items: { id: string; content: string; pageStart: number | null }[] }>(
        `/api/documents/${documentId}/chunks`,
        { limit: 200 },
        signal,
      ).then((r) => r.items),
  };
}

export type Api = ReturnType<typeof endpoints>;
