/**
 * Hybrid search latency at 10,000 and 100,000 chunks: the real SearchService (keyword retrieval in Postgres
 * full text german + simple, dense retrieval in the embedded vector store with 1024-d vectors, RRF, MMR,
 * per-document cap, excerpts, parent sections) on a scratch database. The query embedding is excluded: the
 * query vector is precomputed (random unit vectors), as the issue asks.
 *
 *   pnpm --filter @arasul/llm-queue exec tsx --tsconfig ../../tsconfig.test.json ../../bench/rag-search.bench.ts
 *
 * Knobs (env): BENCH_SIZES (10000,100000), BENCH_QUERIES (60 timed, after 10 warm-up), BENCH_DIM (1024),
 * BENCH_DATABASE (seed into and keep that database; see `openDatabase`).
 * Chunks are ~180 words drawn Zipf-like from a 6,000-word vocabulary, 100 chunks per document. Needs
 * PostgreSQL (as for the tests); the scratch database is dropped at the end.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createDb, createPool } from '@arasul/db';
import {
  type TestDatabase,
  createSilentLogger,
  createTestDatabase,
  prepareTemplates,
  urlFor,
} from '@arasul/testkit';
import type { Database } from '@arasul/db';
import type { QueryEmbedder } from '../services/document-indexer/src/search/query-embedder';
import { RagSettingsService } from '../services/document-indexer/src/search/rag-settings.service';
import { SearchService } from '../services/document-indexer/src/search/search.service';
import { EmbeddedVectorStore } from '../services/document-indexer/src/vectors/embedded-vector-store';
import { defaultSpaceId } from '../services/document-indexer/test/search-seed';

const SIZES = (process.env.BENCH_SIZES ?? '10000,100000').split(',').map(Number);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 60);
const DIM = Number(process.env.BENCH_DIM ?? 1024);
const PER_DOC = 100;

let seed = 42;
function random(): number {
  // mulberry32: reproducible runs
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const SYLLABLES = [
  'ver',
  'trag',
  'kün',
  'di',
  'gung',
  'frist',
  'ur',
  'laub',
  'rei',
  'se',
  'kos',
  'ten',
  'da',
  'ten',
  'schutz',
  'miet',
  'haus',
  'ord',
  'nung',
  'ge',
  'halt',
  'ar',
  'beit',
  'zeit',
  'pro',
  'be',
  'an',
  'spruch',
  'la',
  'ger',
];
const VOCAB = Array.from({ length: 6000 }, (_, i) => {
  let w = '';
  let n = i + 7;
  for (let k = 0; k < 3; k += 1) {
    w += SYLLABLES[n % SYLLABLES.length] ?? '';
    n = Math.floor(n / SYLLABLES.length) + k * 13;
  }
  return `${w}${String(i % 97)}`;
});
/** Zipf-like: low indexes are common words. */
const word = () => VOCAB[Math.floor(VOCAB.length * random() ** 2.5)] ?? 'wort';

function unitVector(): Float32Array {
  const v = new Float32Array(DIM);
  let norm = 0;
  for (let i = 0; i < DIM; i += 1) {
    const x = random() * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < DIM; i += 1) v[i] = (v[i] ?? 0) / norm;
  return v;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * `BENCH_DATABASE=<name>`: seed into (and keep) an existing database of that name, created beforehand as
 * `CREATE DATABASE <name> TEMPLATE <test template>`; a second run only adds what is missing. For EXPLAIN
 * sessions and A/B runs over the same data.
 */
async function openDatabase(): Promise<TestDatabase<Database>> {
  const name = process.env.BENCH_DATABASE;
  if (!name) return createTestDatabase();
  const url = urlFor(name);
  const pool = createPool({ connectionString: url, max: 5, application_name: 'arasul-bench' });
  const db = createDb(pool);
  return { name, url, pool, db, drop: () => db.destroy() };
}

async function main(): Promise<void> {
  await prepareTemplates();
  const database = await openDatabase();
  const db = database.db;
  try {
    const logger = createSilentLogger();
    const vectors = new EmbeddedVectorStore(db);
    await vectors.ensureIndex(DIM);
    const spaceId = await defaultSpaceId(db);
    const queryVectors = new Map<string, Float32Array>();
    const embedder: QueryEmbedder = {
      embedQuery: (query) => Promise.resolve(Array.from(queryVectors.get(query) ?? unitVector())),
    };
    const search = new SearchService(db, vectors, embedder, new RagSettingsService(db, logger), logger);
    const existing = await db
      .selectFrom('document_chunks')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    let chunks = Number(existing.n);
    const out: string[] = [];
    for (const size of SIZES) {
      const seedStart = performance.now();
      while (chunks < size) {
        const documentId = randomUUID();
        await db
          .insertInto('documents')
          .values({
            id: documentId,
            filename: `doc-${String(chunks)}.pdf`,
            original_name: `Dokument ${String(chunks / PER_DOC)}.pdf`,
            mime_type: 'application/pdf',
            size_bytes: 1,
            minio_path: `${spaceId}/${documentId}`,
            space_id: spaceId,
            status: 'indexed',
          })
          .execute();
        const rows = Array.from({ length: PER_DOC }, (_, i) => ({
          id: randomUUID(),
          document_id: documentId,
          chunk_index: i,
          content: Array.from({ length: 180 }, word).join(' '),
          page_start: Math.floor(i / 3) + 1,
          page_end: Math.floor(i / 3) + 1,
          section_index: null,
        }));
        await db.insertInto('document_chunks').values(rows).execute();
        await vectors.replaceDocument(
          documentId,
          rows.map((r) => ({
            id: r.id,
            documentId,
            spaceId,
            chunkIndex: r.chunk_index,
            vector: unitVector(),
          })),
        );
        chunks += PER_DOC;
      }
      await sql`ANALYZE documents, document_chunks`.execute(db);
      const seedSeconds = (performance.now() - seedStart) / 1000;
      const queries = Array.from({ length: QUERIES + 10 }, () =>
        Array.from(
          { length: 3 + Math.floor(random() * 3) },
          () => VOCAB[Math.floor(random() * 2000)] ?? '',
        ).join(' '),
      );
      for (const q of queries) queryVectors.set(q, unitVector());
      const times: number[] = [];
      let hits = 0;
      for (const [i, q] of queries.entries()) {
        const started = performance.now();
        const result = await search.search({ query: q });
        const ms = performance.now() - started;
        if (i >= 10) {
          times.push(ms);
          hits += result.hits.length;
        }
      }
      out.push(
        `${String(size).padStart(7)} chunks (${String(DIM)}-d, embedded store): hybrid search p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms, ${(hits / times.length).toFixed(1)} hits/query (seeded in ${seedSeconds.toFixed(0)} s)`,
      );
      process.stdout.write(`${out[out.length - 1] ?? ''}\n`);
    }
  } finally {
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
