import { type Kysely, sql } from 'kysely';
import type { Database } from '@arasul/db';

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
  /** Keyword retriever: chunks matching any query term in either configuration, best `ts_rank_cd` first. */
  async keywordRanking(db: Kysely<Database>, query: string, scope: Scope, limit: number): Promise<string[]> {
    const { rows } = await sql<{ id: string }>`
      WITH q AS (SELECT ${anyTerm('german', query)} AS g, ${anyTerm('simple', query)} AS s)
      SELECT c.id
        FROM q, document_chunks c
        JOIN documents d ON d.id = c.document_id
       WHERE (c.fts_german @@ q.g OR c.fts_simple @@ q.s) AND ${scopeSql(scope)}
       ORDER BY ts_rank_cd(c.fts_german, q.g) + ts_rank_cd(c.fts_simple, q.s) DESC, c.id
       LIMIT ${limit}
    `.execute(db);
    return rows.map((r) => r.id);
  },

  /** The chunks behind candidate ids (only of live documents in scope), with the query-term coverage. */
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
                    cardinality(array(SELECT unnest(terms.g) INTERSECT SELECT unnest(tsvector_to_array(c.fts_german))))::float8
                      / cardinality(terms.g),
                    cardinality(array(SELECT unnest(terms.s) INTERSECT SELECT unnest(tsvector_to_array(c.fts_simple))))::float8
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
