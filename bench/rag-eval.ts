/**
 * Retrieval quality on the shipped evaluation set (bench/rag-eval: 8 German and English documents, 3 pages
 * each, 52 questions with the document and page that answers them). Seeds a scratch database with one
 * chunk per page, then runs the real SearchService three ways — keyword only, dense only, hybrid — and
 * reports recall@5 (the answering page is among the first five hits) and MRR (over the first ten).
 *
 *   pnpm --filter @arasul/llm-queue exec tsx --tsconfig ../../tsconfig.test.json ../../bench/rag-eval.ts
 *
 * Embeddings: with OLLAMA_URL set, a real Ollama's /api/embed with EVAL_EMBEDDING_MODEL (default bge-m3);
 * otherwise the deterministic hashing embedder of the tests, under which only the keyword numbers mean
 * anything (dense/hybrid then measure word overlap, not semantics). Ranking is evaluated with threshold 0 and
 * ten hits, so the numbers show the ordering, not the cut-off. Needs PostgreSQL (as for the tests).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Retriever } from '@arasul/contracts';
import { createSilentLogger, createTestDatabase, prepareTemplates } from '@arasul/testkit';
import type { Embedder } from '../services/document-indexer/src/clients/embedding.client';
import { queryEmbedder } from '../services/document-indexer/src/search/query-embedder';
import { RagSettingsService } from '../services/document-indexer/src/search/rag-settings.service';
import { SearchService } from '../services/document-indexer/src/search/search.service';
import { EmbeddedVectorStore } from '../services/document-indexer/src/vectors/embedded-vector-store';
import { HashingEmbedder, seedDocuments } from '../services/document-indexer/test/search-seed';

interface EvalDocument {
  key: string;
  name: string;
  language: string;
  pages: string[];
}
interface EvalQuestion {
  q: string;
  doc: string;
  page: number;
}

/** Ollama's `POST /api/embed` (the real one; the platform itself goes through llm-queue). */
class OllamaEmbedder implements Embedder {
  constructor(
    private readonly url: string,
    readonly model: string,
  ) {}

  async embed(inputs: readonly string[]): Promise<number[][]> {
    const response = await fetch(new URL('/api/embed', this.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: this.model, input: inputs }),
      signal: AbortSignal.timeout(300_000),
    });
    if (!response.ok) throw new Error(`Ollama answered ${String(response.status)}: ${await response.text()}`);
    return ((await response.json()) as { embeddings: number[][] }).embeddings;
  }
}

async function main(): Promise<void> {
  const dir = join(__dirname, 'rag-eval');
  const { documents } = JSON.parse(readFileSync(join(dir, 'documents.json'), 'utf8')) as {
    documents: EvalDocument[];
  };
  const { questions } = JSON.parse(readFileSync(join(dir, 'questions.json'), 'utf8')) as {
    questions: EvalQuestion[];
  };
  const ollamaUrl = process.env.OLLAMA_URL;
  const embedder: Embedder = ollamaUrl
    ? new OllamaEmbedder(ollamaUrl, process.env.EVAL_EMBEDDING_MODEL ?? 'bge-m3')
    : new HashingEmbedder(256);

  await prepareTemplates();
  const database = await createTestDatabase();
  try {
    const db = database.db;
    const logger = createSilentLogger();
    const vectors = new EmbeddedVectorStore(db);
    const seeded = await seedDocuments(
      db,
      vectors,
      embedder,
      documents.map((d) => ({ name: d.name, pages: d.pages })),
      { stableIds: true },
    );
    const idOf = new Map(documents.map((d, i) => [d.key, seeded[i]?.id ?? '']));
    const settings = new RagSettingsService(db, logger);
    await settings.put(
      { ...(await settings.current()), threshold: 0, cautionBelow: 0, finalCount: 10 },
      (
        await db
          .insertInto('admin_users')
          .values({ username: 'eval', password_hash: 'x', role: 'admin' })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id,
    );
    const search = new SearchService(db, vectors, queryEmbedder(embedder, 300_000), settings, logger);

    const runs: [string, Retriever[]][] = [
      ['keyword-only', ['keyword']],
      ['dense-only', ['dense']],
      ['hybrid', ['dense', 'keyword']],
    ];
    const lines: string[] = [];
    for (const [label, retrievers] of runs) {
      let found5 = 0;
      let reciprocal = 0;
      for (const question of questions) {
        const result = await search.search({ query: question.q, limit: 10 }, { retrievers });
        const rank = result.hits.findIndex(
          (h) => h.documentId === idOf.get(question.doc) && h.pageStart === question.page,
        );
        if (rank >= 0 && rank < 5) found5 += 1;
        if (rank >= 0) reciprocal += 1 / (rank + 1);
        if (process.env.EVAL_VERBOSE) process.stdout.write(`${label} ${String(rank)} ${question.q}\n`);
      }
      lines.push(
        `${label.padEnd(13)} recall@5 ${(found5 / questions.length).toFixed(3)}   MRR ${(reciprocal / questions.length).toFixed(3)}`,
      );
    }
    process.stdout.write(
      `RAG evaluation: ${String(documents.length)} documents, ${String(questions.length)} questions, embedder ${
        ollamaUrl
          ? `Ollama ${embedder.model} at ${ollamaUrl}`
          : 'hashing (fake: only keyword numbers mean anything)'
      }\n${lines.join('\n')}\n`,
    );
  } finally {
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
