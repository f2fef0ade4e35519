/**
 * Time from a chat request with `rag` to its job entering the queue: POST /api/llm/chat {stream:false,
 * rag:{}} → 202 (retrieval done, prompt built, job and messages with sources stored), against the real
 * llm-queue (in process, real PostgreSQL/Redis/RabbitMQ, the wire-level fake Ollama). document-indexer's
 * search is played by a loopback HTTP server answering five fixed hits at once, so the query embedding and
 * the search itself are excluded (bench/rag-search.bench.ts measures those). A plain chat request is
 * measured the same way for comparison.
 *
 *   pnpm --filter @arasul/llm-queue exec tsx --tsconfig ../../tsconfig.test.json ../../bench/rag-chat.bench.ts
 *
 * Knobs (env): BENCH_REQUESTS (200 per kind, after 20 warm-up).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SearchHit, SearchResponse } from '@arasul/contracts';
import { prepareTemplates } from '@arasul/testkit';
import { createTestContext } from '../services/llm-queue/test/helpers';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 200);

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const hits: SearchHit[] = Array.from({ length: 5 }, (_, i) => ({
  chunkId: `c${String(i)}`,
  documentId: '4b7f6c1e-9a8d-4f1e-8c2b-0d1e2f3a4b5c',
  documentName: 'Arbeitsvertrag.pdf',
  spaceId: null,
  mimeType: 'application/pdf',
  pageStart: i + 1,
  pageEnd: i + 1,
  headingPath: ['§ 6 Kündigung'],
  text: 'Nach Ablauf der Probezeit beträgt die Kündigungsfrist drei Monate zum Quartalsende. '.repeat(8),
  excerpt: 'Nach Ablauf der Probezeit beträgt die <mark>Kündigungsfrist</mark> drei Monate',
  parentText: 'Abschnitt über Kündigung und Fristen. '.repeat(20),
  score: 0.8,
  retrievers: ['dense', 'keyword'],
}));

async function main(): Promise<void> {
  await prepareTemplates();
  const body: SearchResponse = {
    mode: 'hybrid',
    hits,
    marginal: false,
    answerWithoutSources: false,
    tookMs: 0,
  };
  const json = JSON.stringify(body);
  const stub = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(json);
    });
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const searchUrl = `http://127.0.0.1:${String((stub.address() as AddressInfo).port)}`;
  // A huge queue and per-user cap so nothing is refused; the fake holds every generation so jobs stay queued.
  const ctx = await createTestContext({
    DOCUMENT_INDEXER_URL: searchUrl,
    LLM_MAX_QUEUE: '100000',
    LLM_MAX_QUEUED_PER_USER: '100000',
  });
  ctx.fake.pause();
  try {
    const user = await ctx.user('operator', 'bench');
    const measure = async (rag: boolean): Promise<number[]> => {
      const times: number[] = [];
      for (let i = 0; i < REQUESTS + 20; i += 1) {
        const started = performance.now();
        const res = await fetch(`${ctx.instance.url}/api/llm/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...user.headers },
          body: JSON.stringify({
            message: 'Wie lang ist die Kündigungsfrist nach der Probezeit?',
            stream: false,
            ...(rag ? { rag: {} } : {}),
          }),
        });
        await res.arrayBuffer();
        if (res.status !== 202) throw new Error(`chat answered ${String(res.status)}`);
        if (i >= 20) times.push(performance.now() - started);
      }
      return times;
    };
    const plain = await measure(false);
    const rag = await measure(true);
    const line = (label: string, t: number[]) =>
      `${label}: p50 ${percentile(t, 50).toFixed(1)} ms, p95 ${percentile(t, 95).toFixed(1)} ms (${String(t.length)} requests)`;
    process.stdout.write(
      `${line('chat request → job queued (plain)', plain)}\n${line('chat request → rag job queued', rag)}\n`,
    );
  } finally {
    ctx.fake.resume();
    await ctx.close();
    stub.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
