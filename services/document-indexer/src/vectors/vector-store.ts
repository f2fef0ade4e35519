/**
 * THE interface to the dense-vector index. Two real implementations: `QdrantVectorStore` (appliance,
 * `@qdrant/js-client-rest`) and `EmbeddedVectorStore` (native mode: vectors in Postgres `document_vectors`,
 * searched by an exact SIMD scan with usearch). Similarity is cosine: implementations normalise vectors, so
 * `score` is the cosine similarity in [-1, 1], higher is closer.
 *
 * Point ids are the chunk ids (`document_chunks.id`), so a hit joins straight back to its chunk row.
 */

export interface VectorPoint {
  /** uuid: the chunk id. */
  id: string;
  documentId: string;
  spaceId: string;
  chunkIndex: number;
  vector: Float32Array | readonly number[];
}

/** Both lists narrow the search (AND between them, OR inside one). An empty list matches nothing. */
export interface VectorFilter {
  spaceIds?: readonly string[];
  documentIds?: readonly string[];
}

export interface VectorSearchOptions {
  /** 1..1000. */
  limit: number;
  filter?: VectorFilter;
}

export interface VectorHit {
  id: string;
  documentId: string;
  spaceId: string;
  chunkIndex: number;
  /** Cosine similarity. */
  score: number;
}

export interface VectorIndexInfo {
  /** The dimension the index was created with, `null` before the first `ensureIndex`. */
  dimension: number | null;
  points: number;
}

export interface VectorStore {
  /** `qdrant` or `embedded`; `fallback` is true for the embedded engine of native mode. */
  readonly kind: 'qdrant' | 'embedded';
  readonly fallback: boolean;

  /**
   * Creates the index for vectors of `dimension` when missing. Throws `VectorDimensionMismatchError` when
   * the index exists with another dimension (the caller then re-creates it with `recreateIndex`).
   */
  ensureIndex(dimension: number): Promise<void>;
  /** Drops every point and re-creates the index for `dimension` (embedding model changed). */
  recreateIndex(dimension: number): Promise<void>;
  info(): Promise<VectorIndexInfo>;

  /**
   * Replaces every point of one document by `points` (no zombie points when the new version has fewer).
   * Every vector must have the index dimension, else `VectorDimensionMismatchError` and nothing changes.
   */
  replaceDocument(documentId: string, points: readonly VectorPoint[]): Promise<void>;
  /** Removes every point of the document; removing what is not there is fine. */
  deleteDocument(documentId: string): Promise<void>;
  /** Moves the points of a document to another space (the document was moved). */
  setDocumentSpace(documentId: string, spaceId: string): Promise<void>;

  /** Nearest points by cosine similarity, best first. The query must have the index dimension. */
  search(vector: Float32Array | readonly number[], options: VectorSearchOptions): Promise<VectorHit[]>;

  /**
   * The stored (unit-length) vectors of the given point ids; ids without a point are absent from the map.
   * Search uses them for MMR: chunk-to-chunk similarity as the cosine of the embeddings.
   */
  vectorsOf(ids: readonly string[]): Promise<Map<string, Float32Array>>;

  /** Distinct document ids that have points (the sweeper removes those of documents that are gone). */
  documentIds(): Promise<string[]>;
  close(): Promise<void>;
}

export class VectorDimensionMismatchError extends Error {
  readonly code = 'vector_dimension_mismatch';
  constructor(
    readonly expected: number | null,
    readonly actual: number,
  ) {
    super(`The vector index holds ${expected ?? 'no'}-dimensional vectors, got ${actual}.`);
    this.name = 'VectorDimensionMismatchError';
  }
}

/** Unit length, as a new Float32Array (cosine similarity becomes an inner product). */
export function normalizeVector(vector: Float32Array | readonly number[]): Float32Array {
  const out = Float32Array.from(vector);
  let sum = 0;
  for (const value of out) sum += value * value;
  const norm = Math.sqrt(sum);
  if (norm > 0) for (let i = 0; i < out.length; i += 1) out[i] = (out[i] ?? 0) / norm;
  return out;
}

export function assertDimension(expected: number | null, vector: { length: number }): void {
  if (expected !== vector.length) throw new VectorDimensionMismatchError(expected, vector.length);
}
