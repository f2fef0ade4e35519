import { z } from 'zod';
import { type AlertDto, alertSchema } from '@arasul/contracts/http/alerts';
import { type MetricsSnapshot, metricsSnapshotSchema } from '@arasul/contracts/http/metrics';
import {
  type SelfHealingStatus,
  type ServiceActionResult,
  selfHealingStatusSchema,
  serviceActionResultSchema,
} from '@arasul/contracts/http/self-healing';
import { type RagSource, ragSourceSchema } from '@arasul/contracts/search';
import { IDENTITY_HEADER, type Identity, signIdentity } from '@arasul/service-kit/auth';
import { EventStreamTooLargeError, readEventStream } from '@arasul/service-kit/http/event-stream';

/** A platform call that did not give an answer; `code` is the service's stable error code when it sent one. */
export class PlatformCallError extends Error {
  constructor(
    readonly status: number | null,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PlatformCallError';
  }
}

export interface PlatformUrls {
  metrics: string;
  selfHealing: string;
  llmQueue: string;
}

/** What a streamed chat answer yields: text as it arrives, the cited documents, the end. */
export type ChatStreamEvent =
  | { type: 'token'; text: string }
  | { type: 'sources'; sources: RagSource[] }
  | { type: 'done'; noResult: boolean }
  | { type: 'error'; message: string };

const errorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
const streamEvent = z.looseObject({ type: z.string() });
const MAX_SSE_BUFFER = 1024 * 1024;

/**
 * The bot's way into the other services: the same HTTP APIs the dashboard uses, as the admin who linked
 * the chat (an identity signed with INTERNAL_SECRET, as the gateway signs it). Every call has a timeout;
 * answers are validated with the contracts.
 */
export class PlatformClient {
  constructor(
    private readonly urls: PlatformUrls,
    private readonly internalSecret: string,
    private readonly timeoutMs: number,
    private readonly streamTimeoutMs: number,
  ) {}

  metricsSnapshot(who: Identity): Promise<MetricsSnapshot> {
    return this.json(who, 'GET', this.urls.metrics, '/api/metrics/live', metricsSnapshotSchema);
  }

  activeAlerts(who: Identity): Promise<AlertDto[]> {
    return this.json(
      who,
      'GET',
      this.urls.metrics,
      '/api/alerts/active',
      z.union([z.array(alertSchema), z.object({ items: z.array(alertSchema) }).transform((b) => b.items)]),
    );
  }

  acknowledgeAlert(who: Identity, id: number): Promise<AlertDto> {
    return this.json(
      who,
      'POST',
      this.urls.metrics,
      `/api/alerts/history/${String(id)}/acknowledge`,
      alertSchema,
    );
  }

  services(who: Identity): Promise<SelfHealingStatus> {
    return this.json(who, 'GET', this.urls.selfHealing, '/api/self-healing/status', selfHealingStatusSchema);
  }

  restart(who: Identity, service: string): Promise<ServiceActionResult> {
    return this.json(
      who,
      'POST',
      this.urls.selfHealing,
      `/api/services/${encodeURIComponent(service)}/restart`,
      serviceActionResultSchema,
    );
  }

  /**
   * A chat turn through llm-queue (`POST /api/llm/chat`, streamed, batch priority); with `documents` the
   * answer comes from the documents (RAG) and cites them. Yields the answer's events as they arrive.
   */
  async *chat(who: Identity, message: string, documents: boolean): AsyncGenerator<ChatStreamEvent> {
    const response = await this.fetch(
      who,
      'POST',
      this.urls.llmQueue,
      '/api/llm/chat',
      this.streamTimeoutMs,
      {
        message,
        priority: 'batch',
        stream: true,
        ...(documents ? { rag: {} } : {}),
      },
    );
    if (!response.body)
      throw new PlatformCallError(response.status, 'empty_stream', 'llm-queue sent no stream');
    try {
      for await (const message of readEventStream(response.body, { maxBufferChars: MAX_SSE_BUFFER })) {
        const event = parseStreamEvent(message.data);
        if (!event) continue;
        yield event;
        if (event.type === 'done' || event.type === 'error') return;
      }
    } catch (error) {
      if (error instanceof EventStreamTooLargeError)
        throw new PlatformCallError(null, 'stream_too_large', 'event too large');
      throw error;
    }
  }

  private async json<T>(
    who: Identity,
    method: 'GET' | 'POST',
    base: string,
    path: string,
    schema: z.ZodType<T>,
  ): Promise<T> {
    const response = await this.fetch(who, method, base, path, this.timeoutMs);
    const parsed = schema.safeParse(await response.json());
    if (!parsed.success)
      throw new PlatformCallError(response.status, 'invalid_answer', `${path}: unexpected answer`);
    return parsed.data;
  }

  private async fetch(
    who: Identity,
    method: 'GET' | 'POST',
    base: string,
    path: string,
    timeoutMs: number,
    body?: unknown,
  ): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(new URL(path, base), {
        method,
        headers: {
          [IDENTITY_HEADER]: signIdentity(who, this.internalSecret, 60),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new PlatformCallError(
        null,
        'unreachable',
        error instanceof Error ? error.message : 'unreachable',
      );
    }
    if (!response.ok) {
      const parsed = errorBody.safeParse(await response.json().catch(() => null));
      throw new PlatformCallError(
        response.status,
        parsed.success ? parsed.data.error.code : `http_${String(response.status)}`,
        parsed.success ? parsed.data.error.message : `HTTP ${String(response.status)}`,
      );
    }
    return response;
  }
}

/** One event of llm-queue's chat stream (its `data:` JSON), or null for what the bot does not show. */
function parseStreamEvent(data: string): ChatStreamEvent | null {
  if (data === '') return null;
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    return null;
  }
  const event = streamEvent.safeParse(json);
  if (!event.success) return null;
  const raw = event.data as Record<string, unknown>;
  switch (event.data.type) {
    case 'token':
      return typeof raw.text === 'string' ? { type: 'token', text: raw.text } : null;
    case 'sources': {
      const sources = z.array(ragSourceSchema).safeParse(raw.sources);
      return { type: 'sources', sources: sources.success ? sources.data : [] };
    }
    case 'done':
      return { type: 'done', noResult: raw.noResult === true };
    case 'error':
    case 'cancelled':
      return { type: 'error', message: typeof raw.message === 'string' ? raw.message : 'cancelled' };
    default:
      return null;
  }
}
