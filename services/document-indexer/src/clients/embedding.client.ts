import { z } from 'zod';

/** No embedding backend right now (llm-queue or Ollama away, model missing): keyword-only until it returns. */
export class EmbeddingUnavailableError extends Error {
  readonly code = 'embedding_unavailable';
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddingUnavailableError';
  }
}

/**
 * `interactive`: a person is waiting (a search or RAG query); `batch`: background work (ingest). llm-queue
 * serves interactive jobs before batch ones, so a query is not stuck behind a document's embeddings.
 */
export type EmbedPriority = 'interactive' | 'batch';

export interface Embedder {
  readonly model: string;
  /** One vector per input, in order; batch priority unless told otherwise. */
  embed(inputs: readonly string[], signal?: AbortSignal, priority?: EmbedPriority): Promise<number[][]>;
}

const embedResponse = z.object({
  model: z.string().optional(),
  embeddings: z.array(z.array(z.number())),
});

/**
 * Embeddings through llm-queue's internal endpoint (`POST /internal/llm/embed`): ingest at batch priority, so
 * indexing waits behind interactive chat on the shared GPU; search queries at interactive priority (tagged
 * `rag`), so they go before queued ingest. There is no second path to the model.
 */
export class LlmQueueEmbedder implements Embedder {
  constructor(
    private readonly options: { baseUrl: string; internalSecret: string; model: string; timeoutMs: number },
  ) {}

  get model(): string {
    return this.options.model;
  }

  async embed(
    inputs: readonly string[],
    signal?: AbortSignal,
    priority: EmbedPriority = 'batch',
  ): Promise<number[][]> {
    if (inputs.length === 0) return [];
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    let response: Response;
    try {
      response = await fetch(new URL('/internal/llm/embed', this.options.baseUrl), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.options.internalSecret}`,
        },
        body: JSON.stringify({
          source: priority === 'interactive' ? 'rag' : 'indexer',
          model: this.options.model,
          input: inputs,
          priority,
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (error) {
      signal?.throwIfAborted();
      throw new EmbeddingUnavailableError(
        `llm-queue is not reachable: ${error instanceof Error ? error.message : 'unknown error'}`,
      );
    }
    const text = await response.text();
    if (!response.ok) {
      // 503 (backend away), 404 (model not installed), 429 (queue full): all mean "not now".
      throw new EmbeddingUnavailableError(`llm-queue answered ${response.status}: ${text.slice(0, 300)}`);
    }
    const parsed = embedResponse.safeParse(JSON.parse(text));
    if (!parsed.success || parsed.data.embeddings.length !== inputs.length) {
      throw new EmbeddingUnavailableError('llm-queue returned an unexpected embedding response');
    }
    return parsed.data.embeddings;
  }
}
