import { createRequire } from 'node:module';
import type * as QdrantModule from '@qdrant/js-client-rest' with { 'resolution-mode': 'import' };
import {
  type VectorFilter,
  type VectorHit,
  type VectorIndexInfo,
  type VectorPoint,
  type VectorSearchOptions,
  type VectorStore,
  VectorDimensionMismatchError,
  assertDimension,
  normalizeVector,
} from './vector-store';

type QdrantClient = QdrantModule.QdrantClient;

/**
 * The package's CommonJS build, loaded when the first Qdrant store is made (its types are declared as ESM
 * only): native mode never loads it, which keeps ~6 MB out of the indexer's resident set.
 */
function qdrantClientClass(): typeof QdrantModule.QdrantClient {
  return (createRequire(__filename)('@qdrant/js-client-rest') as typeof QdrantModule).QdrantClient;
}

const VECTOR_NAME = 'dense';
const UPSERT_BATCH = 256;
const SCROLL_PAGE = 1000;

interface Payload {
  documentId: string;
  spaceId: string;
  chunkIndex: number;
}

type QdrantFilter = NonNullable<Parameters<QdrantClient['query']>[1]>['filter'];

/**
 * The appliance's vector store: one Qdrant collection with a named dense vector (cosine) and keyword payload
 * indexes on `documentId` and `spaceId`. A replace upserts the new points, then deletes every other point of
 * the document, so a version with fewer chunks leaves nothing behind.
 */
export class QdrantVectorStore implements VectorStore {
  readonly kind = 'qdrant' as const;
  readonly fallback = false;
  private readonly client: QdrantClient;
  private dimension: number | null | undefined;

  constructor(options: { url: string; apiKey?: string; collection: string; timeoutMs?: number }) {
    const QdrantClient = qdrantClientClass();
    this.client = new QdrantClient({
      url: options.url,
      ...(options.apiKey === undefined ? {} : { apiKey: options.apiKey }),
      timeout: options.timeoutMs ?? 30_000,
      checkCompatibility: false,
    });
    this.collection = options.collection;
  }

  private readonly collection: string;

  async ensureIndex(dimension: number): Promise<void> {
    const current = await this.currentDimension();
    if (current === null) {
      await this.create(dimension);
      return;
    }
    if (current !== dimension) throw new VectorDimensionMismatchError(current, dimension);
  }

  async recreateIndex(dimension: number): Promise<void> {
    const { exists } = await this.client.collectionExists(this.collection);
    if (exists) await this.client.deleteCollection(this.collection);
    this.dimension = null;
    await this.create(dimension);
  }

  async info(): Promise<VectorIndexInfo> {
    const dimension = await this.currentDimension();
    if (dimension === null) return { dimension: null, points: 0 };
    const info = await this.client.getCollection(this.collection);
    return { dimension, points: info.points_count ?? 0 };
  }

  async replaceDocument(documentId: string, points: readonly VectorPoint[]): Promise<void> {
    const dimension = await this.currentDimension();
    for (const point of points) assertDimension(dimension, point.vector);
    for (let i = 0; i < points.length; i += UPSERT_BATCH) {
      await this.client.upsert(this.collection, {
        wait: true,
        points: points.slice(i, i + UPSERT_BATCH).map((point) => ({
          id: point.id,
          vector: { [VECTOR_NAME]: Array.from(normalizeVector(point.vector)) },
          payload: { documentId: point.documentId, spaceId: point.spaceId, chunkIndex: point.chunkIndex },
        })),
      });
    }
    await this.client.delete(this.collection, {
      wait: true,
      filter: {
        must: [{ key: 'documentId', match: { value: documentId } }],
        ...(points.length === 0 ? {} : { must_not: [{ has_id: points.map((p) => p.id) }] }),
      },
    });
  }

  async deleteDocument(documentId: string): Promise<void> {
    if ((await this.currentDimension()) === null) return;
    await this.client.delete(this.collection, {
      wait: true,
      filter: { must: [{ key: 'documentId', match: { value: documentId } }] },
    });
  }

  async setDocumentSpace(documentId: string, spaceId: string): Promise<void> {
    if ((await this.currentDimension()) === null) return;
    await this.client.setPayload(this.collection, {
      wait: true,
      payload: { spaceId },
      filter: { must: [{ key: 'documentId', match: { value: documentId } }] },
    });
  }

  async search(vector: Float32Array | readonly number[], options: VectorSearchOptions): Promise<VectorHit[]> {
    const dimension = await this.currentDimension();
    assertDimension(dimension, vector);
    const filter = toQdrantFilter(options.filter);
    if (filter === 'nothing') return [];
    const result = await this.client.query(this.collection, {
      query: Array.from(normalizeVector(vector)),
      using: VECTOR_NAME,
      limit: Math.max(1, Math.min(1000, Math.floor(options.limit))),
      with_payload: true,
      ...(filter === undefined ? {} : { filter }),
    });
    return result.points.flatMap((point) => {
      const payload = point.payload as Partial<Payload> | null | undefined;
      if (!payload?.documentId || !payload.spaceId || typeof payload.chunkIndex !== 'number') return [];
      return [
        {
          id: String(point.id),
          documentId: payload.documentId,
          spaceId: payload.spaceId,
          chunkIndex: payload.chunkIndex,
          score: point.score,
        },
      ];
    });
  }

  async vectorsOf(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const out = new Map<string, Float32Array>();
    if (ids.length === 0 || (await this.currentDimension()) === null) return out;
    const points = await this.client.retrieve(this.collection, {
      ids: [...ids],
      with_payload: false,
      with_vector: [VECTOR_NAME],
    });
    for (const point of points) {
      const named = point.vector as Record<string, unknown> | null | undefined;
      const vector = named?.[VECTOR_NAME];
      if (Array.isArray(vector)) out.set(String(point.id), Float32Array.from(vector as number[]));
    }
    return out;
  }

  async documentIds(): Promise<string[]> {
    if ((await this.currentDimension()) === null) return [];
    const ids = new Set<string>();
    let offset: string | number | undefined;
    for (let page = 0; page < 10_000; page += 1) {
      const result = await this.client.scroll(this.collection, {
        limit: SCROLL_PAGE,
        with_payload: ['documentId'],
        with_vector: false,
        ...(offset === undefined ? {} : { offset }),
      });
      for (const point of result.points) {
        const documentId = (point.payload as Partial<Payload> | null | undefined)?.documentId;
        if (documentId) ids.add(documentId);
      }
      const next = result.next_page_offset;
      if (next === undefined || next === null || typeof next === 'object') break;
      offset = next;
    }
    return [...ids];
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  private async create(dimension: number): Promise<void> {
    await this.client.createCollection(this.collection, {
      vectors: { [VECTOR_NAME]: { size: dimension, distance: 'Cosine' } },
    });
    for (const field of ['documentId', 'spaceId']) {
      await this.client.createPayloadIndex(this.collection, {
        wait: true,
        field_name: field,
        field_schema: 'keyword',
      });
    }
    this.dimension = dimension;
  }

  private async currentDimension(): Promise<number | null> {
    if (this.dimension !== undefined && this.dimension !== null) return this.dimension;
    const { exists } = await this.client.collectionExists(this.collection);
    if (!exists) {
      this.dimension = null;
      return null;
    }
    const info = await this.client.getCollection(this.collection);
    const vectors = info.config.params.vectors as Record<string, { size?: number }> | undefined;
    const size = vectors?.[VECTOR_NAME]?.size;
    this.dimension = typeof size === 'number' ? size : null;
    return this.dimension;
  }
}

function toQdrantFilter(filter: VectorFilter | undefined): QdrantFilter | 'nothing' | undefined {
  if (!filter) return undefined;
  const must: { key: string; match: { any: string[] } }[] = [];
  if (filter.spaceIds !== undefined) {
    if (filter.spaceIds.length === 0) return 'nothing';
    must.push({ key: 'spaceId', match: { any: [...filter.spaceIds] } });
  }
  if (filter.documentIds !== undefined) {
    if (filter.documentIds.length === 0) return 'nothing';
    must.push({ key: 'documentId', match: { any: [...filter.documentIds] } });
  }
  return must.length === 0 ? undefined : { must };
}
