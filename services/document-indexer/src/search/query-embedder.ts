import type { Embedder } from '../clients/embedding.client';

/** Embeds one search query, or says there is no embedding backend right now (undefined). */
export interface QueryEmbedder {
  embedQuery(query: string, signal?: AbortSignal): Promise<number[] | undefined>;
}

/**
 * The query goes through the same llm-queue embedder as ingest; a failure (backend away, model missing,
 * timeout) means keyword-only search, never an error for the user.
 */
export function queryEmbedder(embedder: Embedder, timeoutMs: number): QueryEmbedder {
  return {
    async embedQuery(query, signal) {
      const timeout = AbortSignal.timeout(timeoutMs);
      try {
        // A person is waiting for this one: interactive, ahead of queued ingest batches.
        const [vector] = await embedder.embed(
          [query],
          signal ? AbortSignal.any([signal, timeout]) : timeout,
          'interactive',
        );
        return vector && vector.length > 0 ? vector : undefined;
      } catch {
        signal?.throwIfAborted();
        return undefined;
      }
    },
  };
}
