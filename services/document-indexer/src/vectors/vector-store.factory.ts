import type { Kysely } from 'kysely';
import type { Database } from '@arasul/db';
import type { IndexerConfig } from '../config';
import { EmbeddedVectorStore } from './embedded-vector-store';
import { QdrantVectorStore } from './qdrant-vector-store';
import type { VectorStore } from './vector-store';

/** Qdrant when `QDRANT_URL` is set (appliance), else the embedded store (native mode, reported as fallback). */
export function createVectorStore(
  config: Pick<IndexerConfig, 'QDRANT_URL' | 'QDRANT_API_KEY' | 'QDRANT_COLLECTION'>,
  db: Kysely<Database>,
): VectorStore {
  if (config.QDRANT_URL !== undefined) {
    return new QdrantVectorStore({
      url: config.QDRANT_URL,
      collection: config.QDRANT_COLLECTION,
      ...(config.QDRANT_API_KEY === undefined ? {} : { apiKey: config.QDRANT_API_KEY }),
    });
  }
  return new EmbeddedVectorStore(db);
}
