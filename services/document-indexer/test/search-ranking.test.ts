import {
  type Candidate,
  RRF_K,
  applyFilter,
  reciprocalRankFusion,
  relevance,
  selectHits,
  similarity,
} from '../src/search/ranking';
import { markedExcerpt, queryTerms } from '../src/search/excerpt';

const DOC_A = '00000000-0000-4000-8000-00000000000a';
const DOC_B = '00000000-0000-4000-8000-00000000000b';
const DOC_C = '00000000-0000-4000-8000-00000000000c';
const SPACE_1 = '10000000-0000-4000-8000-000000000001';
const SPACE_2 = '10000000-0000-4000-8000-000000000002';

function candidate(chunkId: string, documentId: string, extra: Partial<Candidate> = {}): Candidate {
  return { chunkId, documentId, spaceId: SPACE_1, text: `text of ${chunkId}`, keywordScore: 1, ...extra };
}

function pool(list: Candidate[]): Map<string, Candidate> {
  return new Map(list.map((c) => [c.chunkId, c]));
}

const ALL = { finalCount: 10, threshold: 0, mmrLambda: 1, maxChunksPerDocument: 10 };

describe('Reciprocal Rank Fusion', () => {
  it('adds 1/(k+rank) over the retrievers, so agreement of both beats one first place', () => {
    const fused = reciprocalRankFusion([
      { retriever: 'dense', chunkIds: ['x', 'both'] },
      { retriever: 'keyword', chunkIds: ['y', 'both'] },
    ]);
    expect(fused.map((f) => f.chunkId)).toEqual(['both', 'x', 'y']);
    expect(fused[0]?.rrf).toBeCloseTo(2 / (RRF_K + 2), 10);
    expect(fused[1]?.rrf).toBeCloseTo(1 / (RRF_K + 1), 10);
    expect(fused[0]?.retrievers).toEqual(['dense', 'keyword']);
    expect(fused[1]?.retrievers).toEqual(['dense']);
    expect(fused[2]?.retrievers).toEqual(['keyword']);
  });

  it('keeps the order of first appearance on equal scores and counts a duplicate only once', () => {
    const fused = reciprocalRankFusion([
      { retriever: 'dense', chunkIds: ['a', 'a', 'b'] },
      { retriever: 'keyword', chunkIds: ['b', 'a'] },
    ]);
    expect(fused.map((f) => f.chunkId)).toEqual(['a', 'b']);
    expect(fused[0]?.rrf).toBeCloseTo(fused[1]?.rrf ?? 0, 12);
  });

  it('with one retriever keeps its order', () => {
    const fused = reciprocalRankFusion([{ retriever: 'keyword', chunkIds: ['c', 'a', 'b'] }]);
    expect(fused.map((f) => f.chunkId)).toEqual(['c', 'a', 'b']);
  });
});

describe('threshold', () => {
  it('drops hits whose stronger signal is below it and reports the score as that signal', () => {
    const candidates = pool([
      candidate('strong', DOC_A, { denseScore: 0.82, keywordScore: 0.5 }),
      candidate('weak', DOC_B, { denseScore: 0.2, keywordScore: undefined }),
      candidate('keyword', DOC_C, { keywordScore: 0.34 }),
    ]);
    const fused = reciprocalRankFusion([
      { retriever: 'dense', chunkIds: ['weak', 'strong'] },
      { retriever: 'keyword', chunkIds: ['keyword', 'strong'] },
    ]);
    const hits = selectHits(fused, candidates, { ...ALL, threshold: 0.3 });
    expect(hits.map((h) => h.candidate.chunkId)).toEqual(['strong', 'keyword']);
    expect(hits[0]?.score).toBeCloseTo(0.82);
    expect(hits[1]?.score).toBeCloseTo(0.34);
  });

  it('clips scores into 0..1', () => {
    expect(relevance(candidate('x', DOC_A, { denseScore: -0.4, keywordScore: undefined }))).toBe(0);
    expect(relevance(candidate('x', DOC_A, { denseScore: 1.2 }))).toBe(1);
  });

  it('returns nothing when no hit reaches it', () => {
    const fused = reciprocalRankFusion([{ retriever: 'dense', chunkIds: ['a'] }]);
    const hits = selectHits(fused, pool([candidate('a', DOC_A, { denseScore: 0.1, keywordScore: 0 })]), {
      ...ALL,
      threshold: 0.5,
    });
    expect(hits).toEqual([]);
  });
});

describe('per-document cap', () => {
  it('takes at most N chunks of one document and fills up with the next documents', () => {
    const list = [
      candidate('a1', DOC_A),
      candidate('a2', DOC_A),
      candidate('a3', DOC_A),
      candidate('a4', DOC_A),
      candidate('b1', DOC_B),
      candidate('c1', DOC_C),
    ];
    const fused = reciprocalRankFusion([{ retriever: 'keyword', chunkIds: list.map((c) => c.chunkId) }]);
    const hits = selectHits(fused, pool(list), { ...ALL, finalCount: 5, maxChunksPerDocument: 2 });
    expect(hits.map((h) => h.candidate.chunkId)).toEqual(['a1', 'a2', 'b1', 'c1']);
  });

  it('stops at finalCount', () => {
    const list = [candidate('a1', DOC_A), candidate('b1', DOC_B), candidate('c1', DOC_C)];
    const fused = reciprocalRankFusion([{ retriever: 'keyword', chunkIds: ['a1', 'b1', 'c1'] }]);
    expect(selectHits(fused, pool(list), { ...ALL, finalCount: 2 }).map((h) => h.candidate.chunkId)).toEqual([
      'a1',
      'b1',
    ]);
  });
});

describe('MMR', () => {
  // a1 and a2 are near-duplicates; b1 says something else and ranks third.
  const list = [
    candidate('a1', DOC_A, { vector: [1, 0, 0] }),
    candidate('a2', DOC_B, { vector: [0.99, 0.01, 0] }),
    candidate('b1', DOC_C, { vector: [0, 1, 0] }),
  ];
  const fused = reciprocalRankFusion([{ retriever: 'dense', chunkIds: ['a1', 'a2', 'b1'] }]);

  it('λ = 1 is pure relevance: the near-duplicate stays second', () => {
    const hits = selectHits(fused, pool(list), { ...ALL, mmrLambda: 1 });
    expect(hits.map((h) => h.candidate.chunkId)).toEqual(['a1', 'a2', 'b1']);
  });

  it('λ = 0.5 prefers the different chunk over the near-duplicate', () => {
    const hits = selectHits(fused, pool(list), { ...ALL, mmrLambda: 0.5 });
    expect(hits.map((h) => h.candidate.chunkId)).toEqual(['a1', 'b1', 'a2']);
  });

  it('with vectors, the cosine decides, not the words: same words but different meaning is no duplicate', () => {
    // d1 and d2 share every word, yet their embeddings are orthogonal; d3 has other words but the
    // embedding of d1. Word overlap would demote d2; the vectors demote d3.
    const same = 'Kündigungsfrist drei Monate zum Quartalsende';
    const list2 = [
      candidate('d1', DOC_A, { text: same, vector: [1, 0, 0, 0] }),
      candidate('d2', DOC_B, { text: same, vector: [0, 1, 0, 0] }),
      candidate('d3', DOC_C, { text: 'Urlaubsanspruch dreißig Arbeitstage', vector: [0.98, 0.2, 0, 0] }),
    ];
    const f = reciprocalRankFusion([{ retriever: 'dense', chunkIds: ['d1', 'd3', 'd2'] }]);
    expect(selectHits(f, pool(list2), { ...ALL, mmrLambda: 0.5 }).map((h) => h.candidate.chunkId)).toEqual([
      'd1',
      'd2',
      'd3',
    ]);
    const words = list2.map(({ vector: _vector, ...rest }) => rest);
    expect(selectHits(f, pool(words), { ...ALL, mmrLambda: 0.5 }).map((h) => h.candidate.chunkId)).toEqual([
      'd1',
      'd3',
      'd2',
    ]);
  });

  it('similarity is the cosine of the vectors (any length, not only unit vectors)', () => {
    const a = candidate('a', DOC_A, { vector: [3, 4], text: 'Miete Nebenkosten' });
    const b = candidate('b', DOC_B, { vector: new Float32Array([4, 3]), text: 'Miete Nebenkosten' });
    expect(similarity(a, b)).toBeCloseTo(24 / 25, 6);
    expect(similarity(a, { ...b, vector: [0, 0] })).toBe(0);
    // One side without a vector: word overlap (Jaccard) for that pair.
    expect(similarity(a, { ...b, vector: undefined as never })).toBe(1);
  });

  it('without vectors compares the words of the chunks', () => {
    const texts = [
      candidate('k1', DOC_A, { text: 'Kündigungsfrist drei Monate zum Quartalsende' }),
      candidate('k2', DOC_B, { text: 'Kündigungsfrist drei Monate zum Quartalsende schriftlich' }),
      candidate('k3', DOC_C, { text: 'Urlaubsanspruch dreißig Arbeitstage im Kalenderjahr' }),
    ];
    const f = reciprocalRankFusion([{ retriever: 'keyword', chunkIds: ['k1', 'k2', 'k3'] }]);
    expect(selectHits(f, pool(texts), { ...ALL, mmrLambda: 0.5 }).map((h) => h.candidate.chunkId)).toEqual([
      'k1',
      'k3',
      'k2',
    ]);
  });
});

describe('spaces and documents filter', () => {
  const list = [
    candidate('s1', DOC_A, { spaceId: SPACE_1 }),
    candidate('s2', DOC_B, { spaceId: SPACE_2 }),
    candidate('none', DOC_C, { spaceId: null }),
  ];

  it('keeps only the requested spaces', () => {
    expect(applyFilter(list, { spaceIds: [SPACE_2] }).map((c) => c.chunkId)).toEqual(['s2']);
  });

  it('keeps only the requested documents, combined with spaces', () => {
    expect(applyFilter(list, { documentIds: [DOC_A, DOC_B] }).map((c) => c.chunkId)).toEqual(['s1', 's2']);
    expect(applyFilter(list, { spaceIds: [SPACE_1], documentIds: [DOC_B] })).toEqual([]);
  });

  it('treats an absent or empty list as everything', () => {
    expect(applyFilter(list, {})).toHaveLength(3);
    expect(applyFilter(list, { spaceIds: [], documentIds: [] })).toHaveLength(3);
  });
});

describe('excerpts', () => {
  it('marks the query terms (also inflected forms), escapes the rest and drops stop words', () => {
    expect(queryTerms('Wie lang ist die Kündigungsfrist?')).toEqual(['lang', 'kündigungsfrist']);
    const out = markedExcerpt('Die <b>Kündigungsfrist</b> beträgt drei Monate.', 'Kündigungsfristen');
    expect(out).toBe('Die &lt;b&gt;<mark>Kündigungsfrist</mark>&lt;/b&gt; beträgt drei Monate.');
  });

  it('centres a long text on the matches', () => {
    const text = `${'Fülltext ohne Bezug. '.repeat(40)}Der Urlaubsanspruch beträgt 30 Tage. ${'Mehr Text. '.repeat(40)}`;
    const out = markedExcerpt(text, 'Urlaubsanspruch', 120);
    expect(out.startsWith('…')).toBe(true);
    expect(out.endsWith('…')).toBe(true);
    expect(out).toContain('<mark>Urlaubsanspruch</mark> beträgt 30 Tage');
  });
});
