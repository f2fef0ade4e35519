import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { Logger } from '@arasul/service-kit';
import type { Embedder } from '../clients/embedding.client';
import { documentsRepository } from '../documents/documents.repository';
import { VectorDimensionMismatchError, type VectorStore } from '../vectors/vector-store';

/**
 * Keeps the vector index in step with the embedding model: the model and dimension the index holds are
 * recorded (`document_vector_index`, name `model:<store kind>`); a different model or dimension re-creates
 * the index and marks every document for re-embedding (keyword search keeps working meanwhile).
 */
export class EmbeddingIndex {
  private checked: { model: string; dimension: number } | null = null;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly vectors: VectorStore,
    private readonly embedder: Embedder,
    private readonly logger: Logger,
  ) {}

  private get recordName(): string {
    return `model:${this.vectors.kind}`;
  }

  /** At start: a model other than the recorded one means every document is embedded again. */
  async checkModel(): Promise<void> {
    const row = await this.db
      .selectFrom('document_vector_index')
      .select(['model', 'dimension'])
      .where('name', '=', this.recordName)
      .executeTakeFirst();
    if (row && row.model !== this.embedder.model) {
      const marked = await documentsRepository.markAllDensePending(this.db);
      this.logger.warn('embedding model changed: every document will be embedded again', {
        from: row.model,
        to: this.embedder.model,
        documents: marked,
      });
    }
  }

  /** Before writing vectors of `dimension`: the index exists for this model and dimension. */
  async ensure(dimension: number): Promise<void> {
    if (this.checked?.model === this.embedder.model && this.checked.dimension === dimension) return;
    const row = await this.db
      .selectFrom('document_vector_index')
      .select(['model', 'dimension'])
      .where('name', '=', this.recordName)
      .executeTakeFirst();
    let recreate = row !== undefined && (row.model !== this.embedder.model || row.dimension !== dimension);
    if (!recreate) {
      try {
        await this.vectors.ensureIndex(dimension);
      } catch (error) {
        if (!(error instanceof VectorDimensionMismatchError)) throw error;
        recreate = true;
      }
    }
    if (recreate) {
      await this.vectors.recreateIndex(dimension);
      await documentsRepository.markAllDensePending(this.db);
      this.logger.warn('vector index re-created for a new embedding model', {
        model: this.embedder.model,
        dimension,
      });
    }
    await this.db
      .insertInto('document_vector_index')
      .values({ name: this.recordName, model: this.embedder.model, dimension })
      .onConflict((oc) =>
        oc.column('name').doUpdateSet({ model: this.embedder.model, dimension, updated_at: new Date() }),
      )
      .execute();
    this.checked = { model: this.embedder.model, dimension };
  }
}
