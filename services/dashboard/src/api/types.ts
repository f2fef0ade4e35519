/** The DTOs the dashboard reads, as the services document them (auth, metrics-collector, llm-queue, gateway). */
import type { Role } from './client';

export type { Role, SessionUser } from './client';

// ---------------------------------------------------------------- gateway
export type ServiceStatus = 'up' | 'degraded' | 'down' | 'not_installed';
export type DependencyStatus = 'up' | 'down';

export interface ServiceHealth {
  status: ServiceStatus;
  latencyMs: number;
  checks?: Record<string, DependencyStatus>;
  fallbacks?: string[];
}

export interface PlatformHealth {
  status: 'ok' | 'degraded' | 'down';
  services: Record<string, ServiceHealth>;
  dependencies: Record<string, DependencyStatus>;
  rateLimiter: string;
  version: string;
}

// ---------------------------------------------------------------- auth
export interface UserDto {
  id: number;
  username: string;
  email: string | null;
  role: Role;
  isActive: boolean;
  createdAt: string;
  updatedAt: string;
  lastLogin: string | null;
  lockedUntil: string | null;
  failedLoginAttempts: number;
}

export interface SessionDto {
  id: number;
  current: boolean;
  ipAddress: string | null;
  userAgent: string | null;
  createdAt: string;
  lastActivity: string;
  expiresAt: string;
  absoluteExpiresAt: string;
}

export const API_SCOPES = [
  'llm:chat',
  'llm:models',
  'documents:read',
  'documents:write',
  'tables:read',
  'tables:write',
  'metrics:read',
  'webhooks:n8n',
] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export interface ApiKeyDto {
  id: number;
  name: string;
  description: string | null;
  prefix: string;
  scopes: ApiScope[];
  status: 'active' | 'rotating' | 'expired' | 'revoked';
  isActive: boolean;
  lastUsedAt: string | null;
  expiresAt: string | null;
  rateLimitPerMinute: number;
  allowedEndpoints: string[] | null;
  createdBy: { id: number; username: string | null } | null;
  createdAt: string;
  revokedAt: string | null;
  rotatedFromId: number | null;
  graceExpiresAt: string | null;
}

export interface CreatedApiKey {
  key: string;
  apiKey: ApiKeyDto;
}

export const AUDIT_ACTIONS = [
  'auth.setup',
  'auth.login.success',
  'auth.login.failure',
  'auth.login.locked',
  'auth.account.locked',
  'auth.logout',
  'auth.logout_all',
  'auth.session.revoked',
  'auth.refresh.reused',
  'auth.password.changed',
  'auth.password.reset',
  'user.created',
  'user.updated',
  'user.deleted',
  'user.unlocked',
  'api_key.created',
  'api_key.revoked',
  'api_key.rotated',
] as const;

export interface AuditLogDto {
  id: number;
  userId: number | null;
  username: string | null;
  action: string;
  status: string | null;
  resourceType: string | null;
  resourceId: string | null;
  details: unknown;
  ipAddress: string | null;
  createdAt: string;
}

export interface Page<T> {
  items: T[];
  total: number;
  limit: number;
  offset: number;
}

// ---------------------------------------------------------------- metrics and alerts
export const LIVE_METRICS = ['cpu', 'ram', 'gpu', 'temperature', 'disk'] as const;
export type MetricName = 'cpu' | 'ram' | 'swap' | 'gpu' | 'temperature' | 'disk';

export interface MetricsSnapshot {
  timestamp: string;
  cpu: number | null;
  ram: number | null;
  swap: number | null;
  gpu: number | null;
  temperature: number | null;
  disk: { used: number; free: number; percent: number } | null;
  unavailable: Partial<Record<MetricName, string>>;
  sources: Partial<Record<MetricName, string>>;
}

export const HISTORY_RANGES = ['1h', '6h', '24h', '7d'] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

export interface HistoryPoint {
  t: string;
  avg: number;
  min: number;
  max: number;
}

export type AlertSeverity = 'warning' | 'critical';

export interface AlertDto {
  id: number;
  metric: MetricName;
  status: 'active' | 'resolved';
  severity: AlertSeverity;
  initialSeverity: AlertSeverity;
  value: number;
  threshold: number;
  peakValue: number | null;
  resolvedValue: number | null;
  unit: '%' | '°C';
  triggeredAt: string;
  severityChangedAt: string | null;
  resolvedAt: string | null;
  notificationSent: boolean;
  acknowledged: { at: string; by: { id: number | null; username: string | null } } | null;
}

export interface ThresholdDto {
  metric: MetricName;
  displayName: string;
  unit: '%' | '°C';
  warningThreshold: number;
  criticalThreshold: number;
  enabled: boolean;
  cooldownSeconds: number;
  forSamples: number;
  clearDelta: number;
  updatedAt: string;
}

export type ThresholdPatch = Partial<
  Pick<ThresholdDto, 'warningThreshold' | 'criticalThreshold' | 'enabled' | 'cooldownSeconds' | 'forSamples'>
>;

// ---------------------------------------------------------------- llm-queue
export interface ConversationDto {
  id: string;
  title: string | null;
  messageCount: number;
  createdAt: string;
  updatedAt: string;
  /** Search results only: text around the match. */
  snippet?: string | null;
}

/** One cited source of a RAG answer (`sources` event, `MessageDto.sources`). */
export interface RagSourceDto {
  n: number;
  documentId: string;
  chunkId: string;
  name: string;
  mimeType: string | null;
  page: number | null;
  pageEnd: number | null;
  excerpt: string;
  text: string;
  score: number;
}

export interface RagSpaceDto {
  id: string;
  name: string;
}

/** A hit of `POST /api/search`; `excerpt` is HTML-escaped with the matched terms in `<mark>`. */
export interface SearchHitDto {
  chunkId: string;
  documentId: string;
  documentName: string;
  mimeType: string | null;
  pageStart: number | null;
  pageEnd: number | null;
  headingPath: string[];
  text: string;
  excerpt: string;
  score: number;
  retrievers: string[];
}

export interface SearchResultDto {
  mode: 'hybrid' | 'keyword_only';
  hits: SearchHitDto[];
}

export interface MessageDto {
  id: string;
  conversationId: string;
  role: string;
  content: string;
  thinking: string | null;
  /** RAG answers: the sources it was given (an empty list: nothing was found). */
  sources?: RagSourceDto[] | null;
  status: string;
  jobId: string | null;
  model: string | null;
  createdAt: string;
}

export interface InstalledModelDto {
  name: string;
  status: string;
  sizeBytes: number | null;
  isDefault: boolean;
  loaded: boolean;
  catalog: { id: string; name: string; category: string | null; ramRequiredGb: number | null } | null;
}

export interface InstalledModels {
  backend: 'up' | 'down';
  reason: string | null;
  items: InstalledModelDto[];
}

/** One event of a job stream (`POST /api/llm/chat`, `GET /api/llm/jobs/:id/stream`); each carries `jobId`. */
export type JobEvent = { jobId?: string } & (
  | {
      type: 'queued';
      position: number;
      etaSeconds: number | null;
      status: 'waiting' | 'backend_unavailable';
      conversationId?: string | null;
      userMessageId?: string | null;
      assistantMessageId?: string | null;
      model?: string;
    }
  | { type: 'backend_unavailable'; reason: string }
  | { type: 'started'; model: string }
  | { type: 'model_loading'; model: string; from: string | null }
  | { type: 'token'; text: string }
  | { type: 'thinking'; text: string }
  | { type: 'sources'; sources: RagSourceDto[]; marginal?: boolean }
  | {
      type: 'done';
      usage: { promptTokens: number; completionTokens: number; totalTokens: number };
      timings: { totalMs: number; tokensPerSecond: number | null };
      doneReason: string | null;
    }
  | { type: 'error'; code: string; message: string }
  | { type: 'cancelled' }
  | { type: 'snapshot'; status: string; model: string | null; content: string; thinking: string }
  | { type: 'heartbeat' }
);
