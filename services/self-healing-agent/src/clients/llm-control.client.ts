import type { z } from 'zod';
import {
  type LlmBatchRequest,
  type LlmBatchResponse,
  type LlmProgress,
  type LlmStopRunningResponse,
  type LlmUnloadResponse,
  llmBatchResponseSchema,
  llmProgressSchema,
  llmStopRunningResponseSchema,
  llmUnloadResponseSchema,
} from '@arasul/contracts/http/llm-control';
import { UnavailableError } from '@arasul/service-kit/errors';

/**
 * llm-queue's internal control API (`/internal/llm/control/*`, bearer INTERNAL_SECRET), used by the guards:
 * stop the running job(s), unload models, pause batch work, read progress. Failures throw
 * `UnavailableError` so the guard records the action as failed.
 */
export class LlmControlClient {
  constructor(
    private readonly baseUrl: string,
    private readonly internalSecret: string,
    private readonly timeoutMs = 10_000,
  ) {}

  stopRunning(reason: string, unloadModels: boolean): Promise<LlmStopRunningResponse> {
    return this.call('POST', 'stop-running', { reason, unloadModels }, llmStopRunningResponseSchema);
  }

  unload(reason: string): Promise<LlmUnloadResponse> {
    return this.call('POST', 'unload', { reason }, llmUnloadResponseSchema);
  }

  setBatch(request: LlmBatchRequest): Promise<LlmBatchResponse> {
    return this.call('PUT', 'batch', request, llmBatchResponseSchema);
  }

  progress(): Promise<LlmProgress> {
    return this.call('GET', 'progress', undefined, llmProgressSchema);
  }

  private async call<T>(method: string, path: string, body: unknown, schema: z.ZodType<T>): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/internal/llm/control/${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.internalSecret}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new UnavailableError('llm-queue cannot be reached.', 'llm_queue_unavailable', { cause: error });
    }
    const parsed = schema.safeParse(await response.json().catch(() => null));
    if (!response.ok || !parsed.success) {
      throw new UnavailableError('llm-queue refused the control request.', 'llm_queue_refused', {
        details: { status: response.status, path },
      });
    }
    return parsed.data;
  }
}
