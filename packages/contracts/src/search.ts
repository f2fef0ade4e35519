import { z } from 'zod';

/** Longest query `POST /api/search` accepts (characters, after trimming). */
export const SEARCH_QUERY_MAX = 2000;

/** `POST /api/search`: hybrid retrieval over the office's documents. */
export const searchRequestSchema = z
  .object({
    query: z.string().trim().min(1, 'The query is empty.').max(SEARCH_QUERY_MAX),
    spaceIds: z.array(z.uuid()).max(100).optional(),
    documentIds: z.array(z.uuid()).max(500).optional(),
    limit: z.number().int().min(1).max(50).optional(),
  })
  .strict();
export type SearchRequest = z.infer<typeof searchRequestSchema>;

export const retrieverSchema = z.enum(['dense', 'keyword']);
export type Retriever = z.infer<typeof retrieverSchema>;

export const searchHitSchema = z.object({
  chunkId: z.string(),
  documentId: z.uuid(),
  documentName: z.string(),
  spaceId: z.uuid().nullable(),
  mimeType: z.string().nullable(),
  pageStart: z.number().int().nullable(),
  pageEnd: z.number().int().nullable(),
  headingPath: z.array(z.string()),
  /** The chunk text (for the prompt and the text view). */
  text: z.string(),
  /** Up to ~300 characters around the best match; matched terms wrapped in `<mark>…</mark>`, the rest escaped. */
  excerpt: z.string(),
  /** The section around the chunk (its parent), trimmed; null when the indexer keeps none. */
  parentText: z.string().nullable(),
  /** Relevance 0..1: the higher of the dense cosine similarity and the share of query terms found. */
  score: z.number(),
  retrievers: z.array(retrieverSchema),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const searchResponseSchema = z.object({
  /** `keyword_only` when no embedding backend answered (dense retrieval skipped). */
  mode: z.enum(['hybrid', 'keyword_only']),
  hits: z.array(searchHitSchema),
  /** The best hit is above the threshold but below `cautionBelow`: answer with a caution. */
  marginal: z.boolean(),
  /** The retrieval setting: with no hits, a chat may still let the model answer (said so). */
  answerWithoutSources: z.boolean(),
  tookMs: z.number(),
});
export type SearchResponse = z.infer<typeof searchResponseSchema>;

/** Retrieval settings (`GET/PUT /api/rag/settings`, admin). */
export const ragSettingsSchema = z
  .object({
    /** Candidates each retriever (dense, keyword) contributes before fusion. */
    candidatesPerRetriever: z.number().int().min(5).max(200),
    /** Hits returned (and chunks given to the model). */
    finalCount: z.number().int().min(1).max(20),
    /** Hits scoring below this are dropped (0..1). */
    threshold: z.number().min(0).max(1),
    /** Below this best score an answer carries a caution (must be ≥ threshold). */
    cautionBelow: z.number().min(0).max(1),
    /** MMR trade-off: 1 = pure relevance, 0 = pure diversity. */
    mmrLambda: z.number().min(0).max(1),
    /** At most this many chunks of one document. */
    maxChunksPerDocument: z.number().int().min(1).max(20),
    /** Nothing relevant found: let the model answer anyway (marked as not from the documents). */
    answerWithoutSources: z.boolean(),
  })
  .strict()
  .refine((s) => s.cautionBelow >= s.threshold, {
    message: 'cautionBelow must not be lower than threshold.',
    path: ['cautionBelow'],
  });
export type RagSettings = z.infer<typeof ragSettingsSchema>;

/** Threshold: bge-m3 gives unrelated German/English text cosine similarities of roughly 0.3–0.45, so hits
 * need more than that (or half the query's terms) to count as relevant. */
export const DEFAULT_RAG_SETTINGS: RagSettings = Object.freeze({
  candidatesPerRetriever: 30,
  finalCount: 5,
  threshold: 0.45,
  cautionBelow: 0.6,
  mmrLambda: 0.7,
  maxChunksPerDocument: 3,
  answerWithoutSources: false,
});

/** One cited source of a RAG answer: the `sources` stream event and `chat_messages.sources`. */
export const ragSourceSchema = z.object({
  n: z.number().int().min(1),
  documentId: z.uuid(),
  chunkId: z.string(),
  name: z.string(),
  mimeType: z.string().nullable(),
  page: z.number().int().nullable(),
  pageEnd: z.number().int().nullable(),
  excerpt: z.string(),
  /** The whole chunk, for the text view that highlights it. */
  text: z.string(),
  score: z.number(),
});
export type RagSource = z.infer<typeof ragSourceSchema>;

/** `rag` of a chat request: use the documents (of these spaces, or all the user may read). */
export const chatRagOptionSchema = z.object({ spaceIds: z.array(z.uuid()).max(100).optional() }).strict();
export type ChatRagOption = z.infer<typeof chatRagOptionSchema>;
