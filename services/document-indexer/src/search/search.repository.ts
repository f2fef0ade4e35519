import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

/**
 * How many matching rows each keyword tier reads and ranks at most. Ranking reads a row's tsvector, which
 * (≈ 2.5 KB for a 180-word chunk) lives out of line in TOAST: that read is the cost of keyword search, so it
 * is bounded per tier, and common words cannot make a query rank the whole corpus.
 */
const EVERY_TERM_SCAN = 200;
const ANY_TERM_SCAN = 200;

interface Scope {
  spaceIds?: readonly string[];
  documentIds?: readonly string[];
}

/** A chunk with what a hit shows; `coverage` = share of the query's (german) lexemes found in the chunk. */
export interface ChunkRow {
  id: string;
  document_id: string;
  space_id: string | null;
  document_name: string;
  mime_type: string | null;
  content: string;
  page_start: number | null;
  page_end: number | null;
  heading_path: string[];
  section_index: number | null;
  coverage: number;
}

function scopeSql(scope: Scope) {
  return sql`
    d.deleted_at IS NULL
    ${scope.spaceIds && scope.spaceIds.length > 0 ? sql`AND d.space_id = ANY(${[...scope.spaceIds]}::uuid[])` : sql``}
    ${scope.documentIds && scope.documentIds.length > 0 ? sql`AND d.id = ANY(${[...scope.documentIds]}::uuid[])` : sql``}
  `;
}

/** `a & b` → `a | b`: any query term may match (ranking prefers chunks with more of them). */
function anyTerm(config: 'german' | 'simple', query: string) {
  return sql`replace(plainto_tsquery(${sql.lit(config)}::regconfig, ${query})::text, '&', '|')::tsquery`;
}

/** SQL of retrieval over document_chunks (german + simple full text) and the rows hits are built from. */
export const searchRepository = {
  /**
   * Keyword retriever, best `ts_rank_cd` first: chunks holding every query term rank before chunks holding
   * only some. The every-term tier matches and ranks in the german configuration (stemmed, stop words
   * dropped; the same word in query and chunk always matches there), in the simple one only when the query
   * has no german lexeme (only stop words): one GIN index scan instead of two. The any-term tier matches in
   * both (a simple-only word such as a stop word can still find the page) and runs only when the every-term
   * tier found fewer than `limit` chunks — else its rows could never make the cut. Each tier stops at its
   * scan bound and ranks with one tsvector read per row. `EXPLAIN (ANALYZE, BUFFERS)` at 100k chunks before
   * and after: docs/BENCHMARKS.md.
   */
  async keywordRanking(db: Kysely<Database>, query: string, scope: Scope, limit: number): Promise<string[]> {
    // The tsqueries are written inline (not joined from a CTE), so the planner sees constants and uses the
    // GIN indexes instead of testing every row; `numnode(…)` without a column becomes a one-time filter
    // that switches one branch of each tier off.
    const german = sql`plainto_tsquery('german', ${query})`;
    const hasGerman = sql`numnode(${german}) > 0`;
    const simple = sql`plainto_tsquery('simple', ${query})`;
    const someGerman = anyTerm('german', query);
    const someSimple = anyTerm('simple', query);
    const { rows } = await sql<{ id: string }>`
      WITH every_term AS (
        SELECT m.id, m.rank FROM (
          (SELECT c.id, ts_rank_cd(c.fts_german, ${german}) AS rank
             FROM document_chunks c
             JOIN documents d ON d.id = c.document_id
            WHERE ${hasGerman} AND c.fts_german @@ ${german} AND ${scopeSql(scope)})
          UNION ALL
          (SELECT c.id, ts_rank_cd(c.fts_simple, ${simple}) AS rank
             FROM document_chunks c
             JOIN documents d ON d.id = c.document_id
            WHERE NOT ${hasGerman} AND c.fts_simple @@ ${simple} AND ${scopeSql(scope)})
          LIMIT ${EVERY_TERM_SCAN}
        ) m
        ORDER BY m.rank DESC, m.id
        LIMIT ${limit}
      ), some_terms AS (
        SELECT m.id, m.rank FROM (
          SELECT c.id,
                 CASE WHEN ${hasGerman} THEN ts_rank_cd(c.fts_german, ${someGerman})
                      ELSE ts_rank_cd(c.fts_simple, ${someSimple}) END AS rank
            FROM document_chunks c
            JOIN documents d ON d.id = c.document_id
           WHERE (SELECT count(*) FROM every_term) < ${limit}
             AND (c.fts_german @@ ${someGerman} OR c.fts_simple @@ ${someSimple})
             AND ${scopeSql(scope)}
           LIMIT ${ANY_TERM_SCAN}
        ) m
        ORDER BY m.rank DESC, m.id
        LIMIT ${limit}
      )
      SELECT id FROM (
        SELECT id, 0 AS tier, rank FROM every_term
        UNION ALL
        SELECT id, 1 AS tier, rank FROM some_terms WHERE id NOT IN (SELECT id FROM every_term)
      ) ranked
      ORDER BY tier, rank DESC, id
      LIMIT ${limit}
    `.execute(db);
    return rows.map((r) => r.id);
  },

  /**
   * The chunks behind candidate ids (only of live documents in scope), with the query-term coverage. Each
   * tsvector is read once and its lexemes tested against the (few, distinct) query lexemes: a linear pass,
   * not a set intersection per row (≈ 40 % less time for 60 candidates at 100k chunks).
   */
  async chunks(
    db: Kysely<Database>,
    ids: readonly string[],
    query: string,
    scope: Scope,
  ): Promise<ChunkRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await sql<ChunkRow>`
      WITH terms AS (
        SELECT array(SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('german', ${query})))) AS g,
               array(SELECT DISTINCT unnest(tsvector_to_array(to_tsvector('simple', ${query})))) AS s
      )
      SELECT c.id, c.document_id, d.space_id, d.original_name AS document_name, d.mime_type, c.content,
             c.page_start, c.page_end, c.heading_path, c.section_index,
             CASE WHEN cardinality(terms.g) = 0 THEN 0
                  ELSE GREATEST(
                    (SELECT count(*) FROM unnest(tsvector_to_array(c.fts_german)) l WHERE l = ANY(terms.g))::float8
                      / cardinality(terms.g),
                    (SELECT count(*) FROM unnest(tsvector_to_array(c.fts_simple)) l WHERE l = ANY(terms.s))::float8
                      / GREATEST(cardinality(terms.s), 1) * 0.9)
             END AS coverage
        FROM terms, document_chunks c
        JOIN documents d ON d.id = c.document_id
       WHERE c.id = ANY(${[...ids]}::uuid[]) AND ${scopeSql(scope)}
    `.execute(db);
    return rows;
  },

  /** The parent sections of hits, by (document, section index). */
  async sections(db: Kysely<Database>, keys: readonly { documentId: string; sectionIndex: number }[]) {
    if (keys.length === 0) return [];
    return db
      .selectFrom('document_sections')
      .select(['document_id', 'section_index', 'content'])
      .where((eb) =>
        eb.or(
          keys.map((k) =>
            eb.and([eb('document_id', '=', k.documentId), eb('section_index', '=', k.sectionIndex)]),
          ),
        ),
      )
      .execute();
  },
};
