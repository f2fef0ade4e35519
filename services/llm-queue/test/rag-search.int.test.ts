/**
 * RAG across the two real services: llm-queue's chat asks document-indexer's real search (its routers and
 * SearchService on the same test database), whose query embedding goes back through llm-queue's internal
 * embed endpoint to the fake Ollama — the same loop as in production, minus the gateway.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { HealthRegistry, createServiceApp, identityMiddleware } from '@arasul/service-kit';
import { createSilentLogger } from '@arasul/testkit';
import { LlmQueueEmbedder } from '../../document-indexer/src/clients/embedding.client';
import { queryEmbedder } from '../../document-indexer/src/search/query-embedder';
import { RagSettingsService } from '../../document-indexer/src/search/rag-settings.service';
import { ragSettingsRouter, searchRouter } from '../../document-indexer/src/search/search.router';
import { SearchService } from '../../document-indexer/src/search/search.service';
import { EmbeddedVectorStore } from '../../document-indexer/src/vectors/embedded-vector-store';
import { seedDocuments } from '../../document-indexer/test/search-seed';
import { INTERNAL_SECRET, type TestContext, type TestUser, chatStream, createTestContext } from './helpers';

describe('RAG chat against the real search', () => {
  let ctx: TestContext;
  let alice: TestUser;
  let documentId = '';
  let app: Express | undefined;
  const server = http.createServer((req, res) => {
    if (app) app(req, res);
    else res.writeHead(503).end();
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
    ctx = await createTestContext({ DOCUMENT_INDEXER_URL: url }, { embeddingDimensions: 64 });
    alice = await ctx.user('operator', 'alice');
    const embedder = new LlmQueueEmbedder({
      baseUrl: ctx.instance.url,
      internalSecret: INTERNAL_SECRET,
      model: 'nomic-embed-text:latest',
      timeoutMs: 10_000,
    });
    const vectors = new EmbeddedVectorStore(ctx.db);
    const [doc] = await seedDocuments(ctx.db, vectors, embedder, [
      {
        name: 'Arbeitsvertrag.pdf',
        pages: [
          'Arbeitsvertrag zwischen der Muster GmbH und Frau Beispiel. Die Probezeit beträgt sechs Monate.',
          'Nach der Probezeit beträgt die Kündigungsfrist drei Monate zum Quartalsende.',
        ],
      },
    ]);
    documentId = doc?.id ?? '';
    const logger = createSilentLogger();
    const settings = new RagSettingsService(ctx.db, logger);
    // The fake's embeddings are hashes: their cosine similarities are noise (up to ~0.5 here), so the
    // threshold sits above it and relevance comes from the query terms, as it would for a real model.
    await settings.put({ ...(await settings.current()), threshold: 0.6, cautionBelow: 0.6 }, alice.id);
    const search = new SearchService(ctx.db, vectors, queryEmbedder(embedder, 5000), settings, logger);
    app = createServiceApp({
      logger,
      health: new HealthRegistry('document-indexer'),
      beforeBody: (a) => a.use(identityMiddleware(INTERNAL_SECRET)),
      routes: (a) => {
        a.use('/api/search', searchRouter(search));
        a.use('/api/rag', ragSettingsRouter(settings));
      },
    });
  });
  afterAll(async () => {
    await ctx.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('cites page 2 for a question it answers, streams the sources first and stores them', async () => {
    ctx.fake.setDefaultReply({ tokens: ['Drei Monate zum Quartalsende [1].'] });
    const stream = await chatStream(ctx.instance, alice, {
      message: 'Welche Kündigungsfrist gilt nach der Probezeit?',
      rag: {},
    });
    await stream.waitForEnd(10_000);
    const types = stream.types();
    expect(types.indexOf('sources')).toBeGreaterThan(0);
    expect(types.indexOf('sources')).toBeLessThan(types.indexOf('token'));
    const sources = (
      stream.events.find((e) => e.type === 'sources') as unknown as {
        sources: { n: number; documentId: string; page: number }[];
      }
    ).sources;
    expect(sources[0]).toMatchObject({ n: 1, documentId, page: 2 });
    // The query was embedded through llm-queue (an embed job), not by calling Ollama directly.
    const embedJobs = await ctx.db
      .selectFrom('llm_jobs')
      .select('source')
      .where('kind', '=', 'embed')
      .execute();
    expect(embedJobs.map((j) => j.source)).toContain('indexer');
    const stored = await ctx.db
      .selectFrom('chat_messages')
      .select('sources')
      .where('job_id', '=', String(stream.events[0]?.jobId))
      .executeTakeFirstOrThrow();
    expect((stored.sources as { page: number }[])[0]?.page).toBe(2);
  });

  it('answers honestly without a job when the documents say nothing about it', async () => {
    const stream = await chatStream(ctx.instance, alice, {
      message: 'Wie hoch ist das Budget für den Betriebsausflug?',
      rag: {},
    });
    await stream.waitForEnd(10_000);
    expect(stream.text()).toBe('Dazu habe ich in den Dokumenten nichts gefunden.');
    expect(stream.events[0]?.jobId).toBeNull();
  });
});
