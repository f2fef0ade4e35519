import type { Kysely } from 'kysely';
import type { Retriever, SearchHit, SearchRequest, SearchResponse } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import type { Logger } from '@arasul/service-kit';
import type { VectorHit, VectorStore } from '../vectors/vector-store';
import { markedExcerpt } from './excerpt';
import type { QueryEmbedder } from './query-embedder';
import type { RagSettingsService } from './rag-settings.service';
import {
  type Candidate,
  type Fused,
  type Ranking,
  type Selected,
  applyFilter,
  reciprocalRankFusion,
  selectHits,
} from './ranking';
import { type ChunkRow, searchRepository } from './search.repository';

const PARENT_CHARS = 1500;

interface Scope {
  spaceIds?: readonly string[];
  documentIds?: readonly string[];
}

export interface SearchOptions {
  /** Run only one retriever (the evaluation compares them); default both. */
  retrievers?: readonly Retriever[];
}

/** Hybrid retrieval: dense (vector store) and keyword (Postgres full text), fused, filtered, diversified. */
export class SearchService {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly vectors: VectorStore,
    private readonly embedder: QueryEmbedder,
    private readonly settings: RagSettingsService,
    private readonly logger: Logger,
  ) {}

  async search(
    request: SearchRequest,
    options: SearchOptions = {},
    signal?: AbortSignal,
  ): Promise<SearchResponse> {
    const started = performance.now();
    const use = new Set<Retriever>(options.retrievers ?? ['dense', 'keyword']);
    const scope: Scope = {
      ...(request.spaceIds ? { spaceIds: request.spaceIds } : {}),
      ...(request.documentIds ? { documentIds: request.documentIds } : {}),
    };
    const { settings, keywordIds, dense } = await this.retrieve(request.query, scope, use, signal);
    const rankings: Ranking[] = [];
    if (dense) rankings.push({ retriever: 'dense', chunkIds: dense.map((h) => h.id) });
    rankings.push({ retriever: 'keyword', chunkIds: keywordIds });
    const fused = reciprocalRankFusion(rankings);
    const { rows, candidates } = await this.candidates(fused, dense, request.query, scope);
    const picked = selectHits(fused, candidates, {
      finalCount: request.limit ?? settings.finalCount,
      threshold: settings.threshold,
      mmrLambda: settings.mmrLambda,
      maxChunksPerDocument: settings.maxChunksPerDocument,
    });
    const hits = await this.hits(picked, rows, request.query);
    const best = hits[0]?.score ?? 0;
    return {
      mode: dense === undefined && use.has('dense') ? 'keyword_only' : 'hybrid',
      hits,
      marginal: hits.length > 0 && best < settings.cautionBelow,
      answerWithoutSources: settings.answerWithoutSources,
      tookMs: Math.round((performance.now() - started) * 10) / 10,
    };
  }

  /**
   * Both retrievers. The query embedding (a model call through llm-queue) starts at once, beside the
   * settings read; the keyword statement runs while the embedding is under way, the vector scan after it.
   */
  private async retrieve(query: string, scope: Scope, use: ReadonlySet<Retriever>, signal?: AbortSignal) {
    const settingsRead = this.settings.current();
    const queryVector = use.has('dense')
      ? this.embedder.embedQuery(query, signal)
      : Promise.resolve(undefined);
    const [settings, keywordIds, dense] = await Promise.all([
      settingsRead,
      use.has('keyword')
        ? settingsRead.then((s) =>
            searchRepository.keywordRanking(this.db, query, scope, s.candidatesPerRetriever),
          )
        : Promise.resolve([]),
      Promise.all([settingsRead, queryVector]).then(([s, vector]) =>
        vector ? this.denseRanking(vector, scope, s.candidatesPerRetriever) : undefined,
      ),
    ]);
    return { settings, keywordIds, dense };
  }

  /** The fused chunks' rows (live documents in scope) and what ranking needs of each. */
  private async candidates(
    fused: readonly Fused[],
    dense: VectorHit[] | undefined,
    query: string,
    scope: Scope,
  ) {
    const denseScore = new Map(dense?.map((h) => [h.id, h.score]));
    const ids = fused.map((f) => f.chunkId);
    const [rows, vectors] = await Promise.all([
      searchRepository.chunks(this.db, ids, query, scope),
      // MMR compares chunks by their embeddings when the dense side answered; keyword-only mode (no
      // embedding backend) compares their words instead.
      dense ? this.chunkVectors(ids) : Promise.resolve(new Map<string, Float32Array>()),
    ]);
    const candidates = new Map<string, Candidate>();
    for (const row of applyFilter(
      rows.map((r) => ({ ...r, documentId: r.document_id, spaceId: r.space_id })),
      scope,
    )) {
      const score = denseScore.get(row.id);
      const vector = vectors.get(row.id);
      candidates.set(row.id, {
        chunkId: row.id,
        documentId: row.document_id,
        spaceId: row.space_id,
        text: row.content,
        ...(vector === undefined ? {} : { vector }),
        ...(score === undefined ? {} : { denseScore: score }),
        keywordScore: row.coverage,
      });
    }
    return { rows, candidates };
  }

  /** The picked chunks as hits: marked excerpt and parent section (read for these few only). */
  private async hits(
    picked: readonly Selected[],
    rows: readonly ChunkRow[],
    query: string,
  ): Promise<SearchHit[]> {
    const byId = new Map(rows.map((r) => [r.id, r]));
    const sections = await searchRepository.sections(
      this.db,
      picked.flatMap((p) => {
        const row = byId.get(p.candidate.chunkId);
        return row && row.section_index !== null
          ? [{ documentId: row.document_id, sectionIndex: row.section_index }]
          : [];
      }),
    );
    const sectionText = new Map(
      sections.map((s) => [`${s.document_id}:${String(s.section_index)}`, s.content]),
    );
    return picked.flatMap((p) => {
      const row = byId.get(p.candidate.chunkId);
      if (!row) return [];
      const parent =
        row.section_index === null
          ? undefined
          : sectionText.get(`${row.document_id}:${String(row.section_index)}`);
      return [
        {
          chunkId: row.id,
          documentId: row.document_id,
          documentName: row.document_name,
          spaceId: row.space_id,
          mimeType: row.mime_type,
          pageStart: row.page_start,
          pageEnd: row.page_end,
          headingPath: row.heading_path,
          text: row.content,
          excerpt: markedExcerpt(row.content, query),
          parentText: parent === undefined ? null : parent.slice(0, PARENT_CHARS),
          score: Math.round(p.score * 1000) / 1000,
          retrievers: p.retrievers,
        },
      ];
    });
  }

  /** Dense candidates, or undefined when the vector store cannot answer (no index yet, other dimension). */
  private async denseRanking(
    vector: readonly number[],
    scope: Scope,
    limit: number,
  ): Promise<VectorHit[] | undefined> {
    try {
      return await this.vectors.search(vector, { limit, filter: scope });
    } catch (error) {
      // A dimension mismatch (model changed, re-embedding under way) or a store outage: keywords still answer.
      this.logger.warn('dense retrieval skipped', {
        reason: error instanceof Error ? error.message : 'unknown',
      });
      return undefined;
    }
  }

  /** The candidates' embeddings for MMR; none (word overlap instead) when the store cannot answer. */
  private async chunkVectors(ids: readonly string[]): Promise<Map<string, Float32Array>> {
    try {
      return await this.vectors.vectorsOf(ids);
    } catch (error) {
      this.logger.warn('chunk vectors for MMR skipped', {
        reason: error instanceof Error ? error.message : 'unknown',
      });
      return new Map();
    }
  }
}
