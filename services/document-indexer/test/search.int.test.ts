/**
 * `POST /api/search` and `GET/PUT /api/rag/settings` over HTTP against a real Postgres (full text german +
 * simple) and the embedded vector store. The query embedding comes from a deterministic in-process
 * embedder (the llm-queue transport is tested with the pipeline); "no embedding backend" is an embedder
 * that fails, as LlmQueueEmbedder does when llm-queue or Ollama is away.
 */
import request from 'supertest';
import {
  HealthRegistry,
  type Identity,
  createServiceApp,
  identityMiddleware,
  signIdentity,
} from '@arasul/service-kit';
import { type TestDatabase, createSilentLogger, createTestDatabase } from '@arasul/testkit';
import type { Database } from '@arasul/db';
import { EmbeddingUnavailableError, type Embedder } from '../src/clients/embedding.client';
import { queryEmbedder } from '../src/search/query-embedder';
import { RagSettingsService } from '../src/search/rag-settings.service';
import { ragSettingsRouter, searchRouter } from '../src/search/search.router';
import { SearchService } from '../src/search/search.service';
import { EmbeddedVectorStore } from '../src/vectors/embedded-vector-store';
import { HashingEmbedder, createSpace, seedDocuments } from './search-seed';

const SECRET = 'search-test-internal-secret-0123456789abcdef';

function headers(identity: Partial<Identity> & Pick<Identity, 'role'>): Record<string, string> {
  return {
    'x-arasul-identity': signIdentity(
      { userId: 1, username: 'u', authType: 'jwt', scopes: [], ...identity },
      SECRET,
      600,
    ),
  };
}
const viewer = headers({ role: 'viewer' });
let admin: Record<string, string>;

class SwitchableEmbedder implements Embedder {
  readonly model = 'hashing-test';
  down = false;
  constructor(private readonly inner: Embedder) {}
  embed(inputs: readonly string[]): Promise<number[][]> {
    if (this.down) return Promise.reject(new EmbeddingUnavailableError('llm-queue answered 503'));
    return this.inner.embed(inputs);
  }
}

interface Hit {
  documentId: string;
  documentName: string;
  pageStart: number;
  excerpt: string;
  score: number;
  retrievers: string[];
  parentText: string | null;
}

describe('POST /api/search', () => {
  let database: TestDatabase<Database>;
  let app: ReturnType<typeof createServiceApp>;
  const embedder = new SwitchableEmbedder(new HashingEmbedder(64));
  let contract: { id: string }, travel: { id: string }, handbook: { id: string };
  let hrSpace: string;
  let vectors: EmbeddedVectorStore;

  beforeAll(async () => {
    database = await createTestDatabase();
    const db = database.db;
    const user = await db
      .insertInto('admin_users')
      .values({ username: 'root', password_hash: 'x', role: 'admin' })
      .returning('id')
      .executeTakeFirstOrThrow();
    admin = headers({ role: 'admin', userId: user.id });
    vectors = new EmbeddedVectorStore(db);
    const logger = createSilentLogger();
    hrSpace = await createSpace(db, 'Personal');
    [contract, travel, handbook] = await seedDocuments(db, vectors, embedder, [
      {
        name: 'Arbeitsvertrag.pdf',
        spaceId: hrSpace,
        headingPath: ['Vertrag'],
        pages: [
          'Das Arbeitsverhältnis beginnt am 1. April. Die Probezeit beträgt sechs Monate.',
          'Nach der Probezeit beträgt die Kündigungsfrist drei Monate zum Quartalsende. Die Kündigung bedarf der Schriftform.',
          'Der Urlaubsanspruch beträgt 30 Arbeitstage im Kalenderjahr.',
        ],
      },
      {
        name: 'Reisekosten.pdf',
        pages: [
          'Bahnfahrten werden in der zweiten Klasse erstattet.',
          'Hotelkosten werden bis zu 120 Euro pro Nacht erstattet.',
        ],
      },
      {
        name: 'Handbook.pdf',
        pages: [
          'Employees may work from home up to two days per week.',
          'Full-time employees are entitled to 25 days of paid annual leave.',
        ],
      },
    ]).then((docs) => docs.map((d) => ({ id: d.id })));
    const settings = new RagSettingsService(db, logger);
    const search = new SearchService(db, vectors, queryEmbedder(embedder, 2000), settings, logger);
    app = createServiceApp({
      logger,
      health: new HealthRegistry('document-indexer'),
      beforeBody: (a) => a.use(identityMiddleware(SECRET)),
      routes: (a) => {
        a.use('/api/search', searchRouter(search));
        a.use('/api/rag', ragSettingsRouter(settings));
      },
    });
  });
  afterAll(async () => {
    await database.drop();
  });
  afterEach(async () => {
    embedder.down = false;
    await database.db.deleteFrom('rag_settings').execute();
  });

  function search(body: unknown, as = viewer) {
    return request(app)
      .post('/api/search')
      .set(as)
      .send(body as object);
  }

  it('finds the page that answers, with name, page, heading path, marked excerpt, score and both retrievers', async () => {
    const res = await search({ query: 'Wie lang ist die Kündigungsfrist?' }).expect(200);
    const body = res.body as { mode: string; hits: Hit[]; marginal: boolean };
    expect(body.mode).toBe('hybrid');
    const top = body.hits[0];
    expect(top).toMatchObject({ documentId: contract.id, documentName: 'Arbeitsvertrag.pdf', pageStart: 2 });
    expect(top?.excerpt).toContain('<mark>Kündigungsfrist</mark>');
    expect(top?.retrievers).toEqual(expect.arrayContaining(['keyword', 'dense']));
    expect(top?.score).toBeGreaterThanOrEqual(0.3);
    expect(top?.parentText).toContain('Kündigungsfrist drei Monate');
  });

  it('finds English text by its words (simple configuration) too', async () => {
    const res = await search({ query: 'How many days of annual leave?' }).expect(200);
    expect((res.body as { hits: Hit[] }).hits[0]).toMatchObject({ documentId: handbook.id, pageStart: 2 });
  });

  it('answers keyword-only and says so when no embedding backend answers', async () => {
    embedder.down = true;
    const res = await search({ query: 'Hotelkosten pro Nacht' }).expect(200);
    const body = res.body as { mode: string; hits: Hit[] };
    expect(body.mode).toBe('keyword_only');
    expect(body.hits[0]).toMatchObject({ documentId: travel.id, pageStart: 2, retrievers: ['keyword'] });
  });

  it("diversifies by the chunks' embeddings in hybrid mode and by their words in keyword-only mode", async () => {
    const lookups = jest.spyOn(vectors, 'vectorsOf');
    try {
      await search({ query: 'Kündigungsfrist Probezeit' }).expect(200);
      expect(lookups).toHaveBeenCalledTimes(1);
      const asked = lookups.mock.calls[0]?.[0] ?? [];
      const found = await lookups.mock.results[0]?.value;
      // Every fused candidate (both retrievers) was asked for, and each had a stored vector to compare.
      expect(asked.length).toBeGreaterThan(1);
      expect((found as Map<string, Float32Array>).size).toBe(asked.length);

      embedder.down = true;
      const keywordOnly = await search({ query: 'Kündigungsfrist Probezeit' }).expect(200);
      expect((keywordOnly.body as { mode: string }).mode).toBe('keyword_only');
      expect(lookups).toHaveBeenCalledTimes(1);
    } finally {
      lookups.mockRestore();
    }
  });

  it('keeps to the requested spaces and documents', async () => {
    const inSpace = await search({ query: 'Kündigungsfrist Hotelkosten', spaceIds: [hrSpace] }).expect(200);
    expect(new Set((inSpace.body as { hits: Hit[] }).hits.map((h) => h.documentId))).toEqual(
      new Set([contract.id]),
    );
    const inDoc = await search({ query: 'Kündigungsfrist Hotelkosten', documentIds: [travel.id] }).expect(
      200,
    );
    expect(new Set((inDoc.body as { hits: Hit[] }).hits.map((h) => h.documentId))).toEqual(
      new Set([travel.id]),
    );
  });

  it('returns nothing for a question the documents do not answer', async () => {
    const res = await search({ query: 'Budget Weihnachtsfeier Sektempfang' }).expect(200);
    expect((res.body as { hits: Hit[] }).hits).toEqual([]);
  });

  it('refuses an empty or over-long query with 400', async () => {
    const empty = await search({ query: '   ' }).expect(400);
    expect((empty.body as { error: { code: string } }).error.code).toBe('validation_failed');
    await search({ query: 'x'.repeat(2001) }).expect(400);
    await search({ query: 'x'.repeat(2000) }).expect(200);
    await search({ query: 'ok', spaceIds: ['nope'] }).expect(400);
  });

  it('needs viewer or the documents:read scope', async () => {
    await request(app).post('/api/search').send({ query: 'x' }).expect(401);
    const keyWithout = headers({ role: 'admin', authType: 'api_key', scopes: ['llm:chat'], apiKeyId: 3 });
    await search({ query: 'Kündigungsfrist' }, keyWithout).expect(403);
    const keyWith = headers({ role: 'viewer', authType: 'api_key', scopes: ['documents:read'], apiKeyId: 4 });
    await search({ query: 'Kündigungsfrist' }, keyWith).expect(200);
  });

  it('applies changed settings at once: per-document cap, final count and threshold', async () => {
    const before = await search({ query: 'Kündigungsfrist Probezeit Urlaubsanspruch beträgt' }).expect(200);
    expect((before.body as { hits: Hit[] }).hits.filter((h) => h.documentId === contract.id)).toHaveLength(3);

    const current = (await request(app).get('/api/rag/settings').set(admin).expect(200)).body as {
      settings: Record<string, unknown>;
      customized: boolean;
    };
    expect(current.customized).toBe(false);
    await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, maxChunksPerDocument: 1 })
      .expect(200);
    const capped = await search({ query: 'Kündigungsfrist Probezeit Urlaubsanspruch beträgt' }).expect(200);
    expect((capped.body as { hits: Hit[] }).hits.filter((h) => h.documentId === contract.id)).toHaveLength(1);

    await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, threshold: 1, cautionBelow: 1 })
      .expect(200);
    const strict = await search({ query: 'Kündigungsfrist drei Monate Quartalsende Schriftform' }).expect(
      200,
    );
    expect((strict.body as { hits: Hit[] }).hits.every((h) => h.score >= 1)).toBe(true);
  });

  it('marks a hit below cautionBelow as marginal', async () => {
    const current = (await request(app).get('/api/rag/settings').set(admin).expect(200)).body as {
      settings: Record<string, unknown>;
    };
    await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, threshold: 0.1, cautionBelow: 0.99 })
      .expect(200);
    const res = await search({ query: 'Kündigungsfrist Gehaltserhöhung Dienstwagen Kantine' }).expect(200);
    const body = res.body as { hits: Hit[]; marginal: boolean };
    expect(body.hits.length).toBeGreaterThan(0);
    expect(body.marginal).toBe(true);
  });

  it('lets only administrators change settings, validated', async () => {
    await request(app).get('/api/rag/settings').set(viewer).expect(403);
    const current = (await request(app).get('/api/rag/settings').set(admin).expect(200)).body as {
      settings: Record<string, unknown>;
    };
    await request(app)
      .put('/api/rag/settings')
      .set(headers({ role: 'operator' }))
      .send(current.settings)
      .expect(403);
    const bad = await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, mmrLambda: 2 })
      .expect(400);
    expect((bad.body as { error: { code: string } }).error.code).toBe('validation_failed');
    await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, threshold: 0.6, cautionBelow: 0.4 })
      .expect(400);
    await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, extra: 1 })
      .expect(400);
    expect(await database.db.selectFrom('rag_settings').selectAll().execute()).toEqual([]);
    const saved = await request(app)
      .put('/api/rag/settings')
      .set(admin)
      .send({ ...current.settings, finalCount: 7 })
      .expect(200);
    expect(
      (saved.body as { settings: { finalCount: number }; customized: boolean }).settings.finalCount,
    ).toBe(7);
    const again = await request(app).get('/api/rag/settings').set(admin).expect(200);
    expect(again.body).toMatchObject({ customized: true, settings: { finalCount: 7 } });
  });
});
