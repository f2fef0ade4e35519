/**
 * The pure half of retrieval: fuse the rankings of the dense and the keyword retriever (Reciprocal Rank
 * Fusion), drop what is not relevant enough, diversify with Maximal Marginal Relevance and cap the chunks
 * per document. No I/O here, so every rule is tested on fixed rankings.
 */
import type { Retriever } from '@arasul/contracts';

/** A chunk one or both retrievers found. */
export interface Candidate {
  chunkId: string;
  documentId: string;
  spaceId: string | null;
  text: string;
  /** The chunk's embedding when the dense side has it (used for MMR similarity). */
  vector?: readonly number[] | Float32Array;
  /** Cosine similarity to the query (dense retriever), when it found the chunk. */
  denseScore?: number;
  /** Share of the query's terms present in the chunk, 0..1 (keyword retriever), when it found it. */
  keywordScore?: number;
}

/** One retriever's result, best first. */
export interface Ranking {
  retriever: Retriever;
  chunkIds: readonly string[];
}

export interface Fused {
  chunkId: string;
  /** Σ 1 / (k + rank) over the retrievers that found the chunk (rank from 1). */
  rrf: number;
  retrievers: Retriever[];
}

/** The usual RRF constant (Cormack et al. 2009): damps the weight of the very first ranks. */
export const RRF_K = 60;

/** Reciprocal Rank Fusion of several rankings, best first; ties keep the order of first appearance. */
export function reciprocalRankFusion(rankings: readonly Ranking[], k = RRF_K): Fused[] {
  const fused = new Map<string, Fused & { order: number }>();
  let order = 0;
  for (const ranking of rankings) {
    // A chunk listed twice counts once, at its first rank; the ranks after it close up.
    [...new Set(ranking.chunkIds)].forEach((chunkId, index) => {
      let entry = fused.get(chunkId);
      if (!entry) {
        entry = { chunkId, rrf: 0, retrievers: [], order: order++ };
        fused.set(chunkId, entry);
      }
      entry.rrf += 1 / (k + index + 1);
      entry.retrievers.push(ranking.retriever);
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.rrf - a.rrf || a.order - b.order)
    .map(({ chunkId, rrf, retrievers }) => ({ chunkId, rrf, retrievers }));
}

/** A hit's relevance shown to people and compared with the threshold: the stronger of the two signals. */
export function relevance(candidate: Candidate): number {
  const dense = Math.max(0, Math.min(1, candidate.denseScore ?? 0));
  const keyword = Math.max(0, Math.min(1, candidate.keywordScore ?? 0));
  return Math.max(dense, keyword);
}

export interface Filter {
  spaceIds?: readonly string[];
  documentIds?: readonly string[];
}

/** Keeps candidates inside the requested spaces and documents (an absent or empty list means "all"). */
export function applyFilter<T extends Pick<Candidate, 'documentId' | 'spaceId'>>(
  candidates: readonly T[],
  filter: Filter,
): T[] {
  const spaces = filter.spaceIds && filter.spaceIds.length > 0 ? new Set(filter.spaceIds) : undefined;
  const docs = filter.documentIds && filter.documentIds.length > 0 ? new Set(filter.documentIds) : undefined;
  return candidates.filter(
    (c) =>
      (spaces === undefined || (c.spaceId !== null && spaces.has(c.spaceId))) &&
      (docs === undefined || docs.has(c.documentId)),
  );
}

function cosine(a: readonly number[] | Float32Array, b: readonly number[] | Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

const WORD = /[\p{L}\p{N}]+/gu;

function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(WORD) ?? []).filter((w) => w.length > 2));
}

function jaccard(a: Set<string>, b: Set<string>): number {
  if (a.size === 0 || b.size === 0) return 0;
  let shared = 0;
  for (const w of a) if (b.has(w)) shared += 1;
  return shared / (a.size + b.size - shared);
}

const wordCache = new WeakMap<Candidate, Set<string>>();

function wordsOf(candidate: Candidate): Set<string> {
  let set = wordCache.get(candidate);
  if (!set) {
    set = words(candidate.text);
    wordCache.set(candidate, set);
  }
  return set;
}

/** How alike two chunks are: cosine of their embeddings, or word overlap when one has none. */
export function similarity(a: Candidate, b: Candidate): number {
  if (a.vector && b.vector) return cosine(a.vector, b.vector);
  return jaccard(wordsOf(a), wordsOf(b));
}

export interface SelectOptions {
  finalCount: number;
  threshold: number;
  mmrLambda: number;
  maxChunksPerDocument: number;
}

export interface Selected {
  candidate: Candidate;
  score: number;
  rrf: number;
  retrievers: Retriever[];
}

/**
 * From the fused ranking: drop candidates below the threshold, then pick `finalCount` by MMR
 * (λ · relevance − (1 − λ) · similarity to what is already picked; relevance is the RRF score scaled to the
 * best one) without taking more than `maxChunksPerDocument` from one document. Returned in pick order.
 */
export function selectHits(
  fused: readonly Fused[],
  candidates: ReadonlyMap<string, Candidate>,
  options: SelectOptions,
): Selected[] {
  const pool: Selected[] = [];
  for (const f of fused) {
    const candidate = candidates.get(f.chunkId);
    if (!candidate) continue;
    const score = relevance(candidate);
    if (score < options.threshold) continue;
    pool.push({ candidate, score, rrf: f.rrf, retrievers: f.retrievers });
  }
  const best = pool.reduce((max, s) => Math.max(max, s.rrf), 0);
  const perDocument = new Map<string, number>();
  const picked: Selected[] = [];
  const left = new Set(pool);
  while (picked.length < options.finalCount && left.size > 0) {
    let choice: Selected | undefined;
    let choiceValue = -Infinity;
    for (const item of left) {
      if ((perDocument.get(item.candidate.documentId) ?? 0) >= options.maxChunksPerDocument) {
        left.delete(item);
        continue;
      }
      const rel = best === 0 ? 0 : item.rrf / best;
      const redundancy = picked.reduce((max, p) => Math.max(max, similarity(item.candidate, p.candidate)), 0);
      const value = options.mmrLambda * rel - (1 - options.mmrLambda) * redundancy;
      if (value > choiceValue) {
        choice = item;
        choiceValue = value;
      }
    }
    if (!choice) break;
    left.delete(choice);
    picked.push(choice);
    const docId = choice.candidate.documentId;
    perDocument.set(docId, (perDocument.get(docId) ?? 0) + 1);
  }
  return picked;
}
