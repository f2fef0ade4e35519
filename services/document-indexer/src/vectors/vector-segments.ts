import { MetricKind, exactSearch } from 'usearch';
import type { VectorHit } from './vector-store';

interface Row {
  id: string;
  documentId: string;
  chunkIndex: number;
}

/**
 * The vectors of one space, contiguous in one Float32Array so usearch's SIMD exact scan runs over them
 * without a copy. Removal swaps the last row into the hole, so the array stays dense.
 */
class Segment {
  private data: Float32Array;
  private readonly rows: Row[] = [];
  private readonly byId = new Map<string, number>();

  constructor(
    readonly spaceId: string,
    private readonly dimension: number,
  ) {
    this.data = new Float32Array(dimension * 64);
  }

  get size(): number {
    return this.rows.length;
  }

  add(row: Row, vector: Float32Array): void {
    const existing = this.byId.get(row.id);
    if (existing !== undefined) this.removeAt(existing);
    const at = this.rows.length;
    if ((at + 1) * this.dimension > this.data.length) {
      const grown = new Float32Array(Math.max(this.data.length * 2, (at + 1) * this.dimension));
      grown.set(this.data);
      this.data = grown;
    }
    this.data.set(vector, at * this.dimension);
    this.rows.push(row);
    this.byId.set(row.id, at);
  }

  remove(id: string): void {
    const at = this.byId.get(id);
    if (at !== undefined) this.removeAt(at);
  }

  rowsOf(documentId: string): Row[] {
    return this.rows.filter((row) => row.documentId === documentId);
  }

  vectorOf(id: string): Float32Array | undefined {
    const at = this.byId.get(id);
    if (at === undefined) return undefined;
    return this.data.slice(at * this.dimension, (at + 1) * this.dimension);
  }

  search(query: Float32Array, limit: number, documentIds: ReadonlySet<string> | null): VectorHit[] {
    if (this.rows.length === 0) return [];
    if (documentIds === null) {
      return this.scan(
        this.data.subarray(0, this.rows.length * this.dimension),
        query,
        limit,
        (i) => this.rows[i],
      );
    }
    // A document filter is narrow: copy just those rows and scan them.
    const picked: number[] = [];
    this.rows.forEach((row, index) => {
      if (documentIds.has(row.documentId)) picked.push(index);
    });
    if (picked.length === 0) return [];
    const subset = new Float32Array(picked.length * this.dimension);
    picked.forEach((index, i) => {
      subset.set(
        this.data.subarray(index * this.dimension, (index + 1) * this.dimension),
        i * this.dimension,
      );
    });
    return this.scan(subset, query, limit, (i) => {
      const index = picked[i];
      return index === undefined ? undefined : this.rows[index];
    });
  }

  private scan(
    dataset: Float32Array,
    query: Float32Array,
    limit: number,
    rowAt: (i: number) => Row | undefined,
  ): VectorHit[] {
    const count = Math.min(limit, dataset.length / this.dimension);
    const matches = exactSearch(dataset, query, this.dimension, count, MetricKind.IP);
    const hits: VectorHit[] = [];
    for (let i = 0; i < matches.keys.length; i += 1) {
      const key = matches.keys[i];
      const row = key === undefined ? undefined : rowAt(Number(key));
      if (!row) continue;
      // usearch's inner-product distance is 1 - dot; the vectors are unit length, so dot is the cosine.
      hits.push({ ...row, spaceId: this.spaceId, score: 1 - (matches.distances[i] ?? 1) });
    }
    return hits;
  }

  private removeAt(at: number): void {
    const last = this.rows.length - 1;
    const removed = this.rows[at];
    const moved = this.rows[last];
    if (!removed || !moved) return;
    this.byId.delete(removed.id);
    if (at !== last) {
      this.data.copyWithin(at * this.dimension, last * this.dimension, (last + 1) * this.dimension);
      this.rows[at] = moved;
      this.byId.set(moved.id, at);
    }
    this.rows.pop();
  }
}

/** The in-memory half of the embedded store: every point, grouped by space. */
export class VectorSegments {
  private readonly segments = new Map<string, Segment>();
  private readonly spaceOfDocument = new Map<string, string>();

  constructor(readonly dimension: number) {}

  get points(): number {
    let total = 0;
    for (const segment of this.segments.values()) total += segment.size;
    return total;
  }

  add(
    point: { id: string; documentId: string; spaceId: string; chunkIndex: number },
    vector: Float32Array,
  ): void {
    let segment = this.segments.get(point.spaceId);
    if (!segment) {
      segment = new Segment(point.spaceId, this.dimension);
      this.segments.set(point.spaceId, segment);
    }
    segment.add({ id: point.id, documentId: point.documentId, chunkIndex: point.chunkIndex }, vector);
    this.spaceOfDocument.set(point.documentId, point.spaceId);
  }

  removeDocument(documentId: string): void {
    const spaceId = this.spaceOfDocument.get(documentId);
    if (spaceId === undefined) return;
    const segment = this.segments.get(spaceId);
    if (segment) for (const row of segment.rowsOf(documentId)) segment.remove(row.id);
    this.spaceOfDocument.delete(documentId);
  }

  moveDocument(documentId: string, spaceId: string): void {
    const from = this.spaceOfDocument.get(documentId);
    if (from === undefined || from === spaceId) return;
    const segment = this.segments.get(from);
    if (!segment) return;
    for (const row of segment.rowsOf(documentId)) {
      const vector = segment.vectorOf(row.id);
      segment.remove(row.id);
      if (vector) this.add({ ...row, documentId, spaceId }, vector);
    }
    this.spaceOfDocument.set(documentId, spaceId);
  }

  documentIds(): string[] {
    return [...this.spaceOfDocument.keys()];
  }

  /** Copies of the vectors of these point ids (absent ids are left out). */
  vectorsOf(ids: readonly string[]): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    for (const id of ids) {
      for (const segment of this.segments.values()) {
        const vector = segment.vectorOf(id);
        if (vector) {
          out.set(id, vector);
          break;
        }
      }
    }
    return out;
  }

  search(
    query: Float32Array,
    limit: number,
    spaceIds: readonly string[] | undefined,
    documentIds: readonly string[] | undefined,
  ): VectorHit[] {
    const docs = documentIds === undefined ? null : new Set(documentIds);
    const spaces =
      spaceIds === undefined
        ? [...this.segments.values()]
        : spaceIds.flatMap((id) => {
            const segment = this.segments.get(id);
            return segment ? [segment] : [];
          });
    const hits = spaces.flatMap((segment) => segment.search(query, limit, docs));
    return hits.sort((a, b) => b.score - a.score).slice(0, limit);
  }
}
