/**
 * Chats with documents, over HTTP against the real queue, Postgres and the fake Ollama: retrieval first, the
 * `sources` event before any token, the numbered chunks in the prompt, sources stored and shown on reload,
 * the honest no-result answer without a job, the caution on a marginal match, cancel, reconnect and the
 * OpenAI extension. document-indexer's `POST /api/search` is played by a small HTTP server answering fixed
 * hits (the real search is tested in services/document-indexer; both meet in the gateway e2e).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import type { SearchHit, SearchRequest, SearchResponse } from '@arasul/contracts';
import { IDENTITY_HEADER, verifyIdentity } from '@arasul/service-kit';
import {
  INTERNAL_SECRET,
  StreamClient,
  type TestContext,
  type TestUser,
  chatStream,
  createTestContext,
  waitFor,
} from './helpers';

const DOC = '4b7f6c1e-9a8d-4f1e-8c2b-0d1e2f3a4b5c';
const SPACE = '5c8a7d2f-0b9e-4a2f-9d3c-1e2f3a4b5c6d';

function hit(n: number, extra: Partial<SearchHit> = {}): SearchHit {
  return {
    chunkId: `${DOC}:${String(n)}`,
    documentId: DOC,
    documentName: 'Arbeitsvertrag.pdf',
    spaceId: SPACE,
    mimeType: 'application/pdf',
    pageStart: 2,
    pageEnd: 2,
    headingPath: ['§ 5 Kündigung'],
    text: `Die Kündigungsfrist beträgt drei Monate zum Quartalsende (Abschnitt ${String(n)}).`,
    excerpt: 'Die <mark>Kündigungsfrist</mark> beträgt drei Monate',
    parentText: null,
    score: 0.81,
    retrievers: ['dense', 'keyword'],
    ...extra,
  };
}

/** Stands in for document-indexer's search: answers by the query, records what it was asked and by whom. */
class SearchStub {
  readonly calls: { body: SearchRequest; userId: number }[] = [];
  answer: (query: string) => Partial<SearchResponse> = () => ({ hits: [hit(1), hit(2)] });
  down = false;
  private server: http.Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const identity = verifyIdentity(String(req.headers[IDENTITY_HEADER]), INTERNAL_SECRET);
        const body = JSON.parse(raw) as SearchRequest;
        this.calls.push({ body, userId: identity.userId });
        if (this.down) {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'unavailable', message: 'down' } }));
          return;
        }
        const response: SearchResponse = {
          mode: 'hybrid',
          hits: [],
          marginal: false,
          answerWithoutSources: false,
          tookMs: 3,
          ...this.answer(body.query),
        };
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(response));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${String((this.server.address() as AddressInfo).port)}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

describe('chats with documents (RAG)', () => {
  let ctx: TestContext;
  let alice: TestUser;
  const search = new SearchStub();

  beforeAll(async () => {
    await search.start();
    ctx = await createTestContext({ DOCUMENT_INDEXER_URL: search.url });
    alice = await ctx.user('operator', 'alice');
  });
  afterAll(async () => {
    await ctx.close();
    await search.close();
  });
  afterEach(() => {
    ctx.fake.resume();
    ctx.fake.setDefaultReply({});
    search.answer = () => ({ hits: [hit(1), hit(2)] });
    search.down = false;
  });

  it('streams the sources before any token, cites numbered chunks and stores the sources with the answer', async () => {
    ctx.fake.setDefaultReply({ tokens: ['Drei Monate ', 'zum Quartalsende [1].'] });
    const before = ctx.fake.generations().length;
    const stream = await chatStream(ctx.instance, alice, {
      message: 'Wie lang ist die Kündigungsfrist?',
      rag: { spaceIds: [SPACE] },
    });
    await stream.waitForEnd();
    const types = stream.types();
    expect(types[0]).toBe('queued');
    expect(types.indexOf('sources')).toBeGreaterThan(0);
    expect(types.indexOf('sources')).toBeLessThan(types.indexOf('token'));
    expect(types[types.length - 1]).toBe('done');
    const sources = stream.events.find((e) => e.type === 'sources') as unknown as {
      sources: {
        n: number;
        documentId: string;
        name: string;
        page: number;
        excerpt: string;
        score: number;
      }[];
    };
    expect(sources.sources.map((s) => [s.n, s.name, s.page])).toEqual([
      [1, 'Arbeitsvertrag.pdf', 2],
      [2, 'Arbeitsvertrag.pdf', 2],
    ]);
    expect(sources.sources[0]?.excerpt).toBe('Die Kündigungsfrist beträgt drei Monate');
    expect(stream.text()).toBe('Drei Monate zum Quartalsende [1].');

    // The search ran for alice, in her spaces, with her question.
    expect(search.calls.at(-1)).toEqual({
      body: { query: 'Wie lang ist die Kündigungsfrist?', spaceIds: [SPACE] },
      userId: alice.id,
    });

    // The model got the numbered chunks and the citation rule as a system message right before the question.
    const generation = ctx.fake.generations().slice(before)[0];
    const messages = (generation?.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toContain('[1] Arbeitsvertrag.pdf, Seite 2 — § 5 Kündigung');
    expect(messages[0]?.content).toContain('[2] Arbeitsvertrag.pdf');
    expect(messages[0]?.content).toContain('eckigen Klammern, z. B. [1]');

    const queued = stream.events[0] as unknown as { jobId: string; conversationId: string };
    const job = await ctx.db
      .selectFrom('llm_jobs')
      .select(['source', 'status'])
      .where('id', '=', queued.jobId)
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ source: 'rag', status: 'completed' });

    // A reload shows the answer with its sources.
    const reload = await request(ctx.instance.url)
      .get(`/api/chats/${queued.conversationId}/messages`)
      .set(alice.headers)
      .expect(200);
    const answer = (reload.body as { items: { role: string; content: string; sources: unknown }[] }).items[1];
    expect(answer?.content).toBe('Drei Monate zum Quartalsende [1].');
    expect((answer?.sources as { n: number; page: number }[]).map((s) => [s.n, s.page])).toEqual([
      [1, 2],
      [2, 2],
    ]);
  });

  it('keeps using the documents for a follow-up in the same conversation', async () => {
    const first = await chatStream(ctx.instance, alice, { message: 'Kündigungsfrist?', rag: {} });
    await first.waitForEnd();
    const conversationId = String(first.events[0]?.conversationId);
    const calls = search.calls.length;
    const second = await chatStream(ctx.instance, alice, { message: 'Und die Probezeit?', conversationId });
    await second.waitForEnd();
    expect(search.calls.length).toBe(calls + 1);
    expect(second.types()).toContain('sources');
    expect(search.calls.at(-1)?.body).toEqual({ query: 'Und die Probezeit?' });
  });

  it('shows the remembered setting on the conversation, and rag: null ends it (a plain answer)', async () => {
    const space = '7a1e0000-0000-4000-8000-000000000001';
    const first = await chatStream(ctx.instance, alice, {
      message: 'Kündigungsfrist?',
      rag: { spaceIds: [space] },
    });
    await first.waitForEnd();
    const conversationId = String(first.events[0]?.conversationId);
    const conversation = async () =>
      (await request(ctx.instance.url).get(`/api/chats/${conversationId}`).set(alice.headers).expect(200))
        .body as { rag: unknown };
    expect((await conversation()).rag).toEqual({ spaceIds: [space] });
    const listed = await request(ctx.instance.url).get('/api/chats').set(alice.headers).expect(200);
    expect(
      (listed.body as { items: { id: string; rag: unknown }[] }).items.find((c) => c.id === conversationId)
        ?.rag,
    ).toEqual({ spaceIds: [space] });

    const calls = search.calls.length;
    const plain = await chatStream(ctx.instance, alice, { message: 'Danke!', conversationId, rag: null });
    await plain.waitForEnd();
    expect(search.calls.length).toBe(calls);
    expect(plain.types()).not.toContain('sources');
    expect((await conversation()).rag).toBeNull();
    // A follow-up without `rag` stays plain now.
    const next = await chatStream(ctx.instance, alice, { message: 'Noch etwas?', conversationId });
    await next.waitForEnd();
    expect(search.calls.length).toBe(calls);
  });

  it('answers honestly in German when nothing is found, without an LLM job', async () => {
    search.answer = () => ({ hits: [] });
    const generations = ctx.fake.generations().length;
    const jobs = await ctx.db
      .selectFrom('llm_jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const stream = await chatStream(ctx.instance, alice, {
      message: 'Wie hoch ist das Budget für Weihnachtsfeiern?',
      rag: {},
    });
    await stream.waitForEnd();
    expect(stream.types()).toEqual(['queued', 'sources', 'token', 'done']);
    expect(stream.text()).toBe('Dazu habe ich in den Dokumenten nichts gefunden.');
    const after = await ctx.db
      .selectFrom('llm_jobs')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(jobs.n);
    expect(ctx.fake.generations().length).toBe(generations);
    const stored = await ctx.db
      .selectFrom('chat_messages')
      .select(['role', 'content', 'status', 'sources'])
      .where('conversation_id', '=', String(stream.events[0]?.conversationId))
      .orderBy('created_at')
      .execute();
    expect(stored).toEqual([
      {
        role: 'user',
        content: 'Wie hoch ist das Budget für Weihnachtsfeiern?',
        status: 'complete',
        sources: null,
      },
      {
        role: 'assistant',
        content: 'Dazu habe ich in den Dokumenten nichts gefunden.',
        status: 'complete',
        sources: [],
      },
    ]);
  });

  it('answers in English when asked in English', async () => {
    search.answer = () => ({ hits: [] });
    const response = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'What is the budget for the summer party?', rag: {}, stream: false })
      .expect(200);
    expect(response.body).toMatchObject({
      jobId: null,
      content: 'I found nothing about this in the documents.',
      sources: [],
      noResult: true,
    });
  });

  it('answers a marginal match with a caution first', async () => {
    search.answer = () => ({ hits: [hit(1, { score: 0.35 })], marginal: true });
    ctx.fake.setDefaultReply({ tokens: ['Vermutlich drei Monate [1].'] });
    const before = ctx.fake.generations().length;
    const stream = await chatStream(ctx.instance, alice, { message: 'Wie ist die Frist?', rag: {} });
    await stream.waitForEnd();
    expect(stream.text()).toBe(
      'Hinweis: Die Dokumente passen nur teilweise zu dieser Frage; bitte prüfen Sie die Quellen. Vermutlich drei Monate [1].',
    );
    const system = (ctx.fake.generations().slice(before)[0]?.body as { messages: { content: string }[] })
      .messages[0]?.content;
    expect(system).toContain('Die Quellen passen nur teilweise');
    const stored = await ctx.db
      .selectFrom('chat_messages')
      .select('content')
      .where('job_id', '=', String(stream.events[0]?.jobId))
      .executeTakeFirstOrThrow();
    expect(stored.content).toBe(stream.text());
  });

  it('cancels a running RAG answer; the partial text keeps its sources; a reconnect shows the sources first', async () => {
    ctx.fake.setDefaultReply({ tokens: ['eins ', 'zwei ', 'drei ', 'vier '], tokenDelayMs: 20 });
    ctx.fake.pause();
    const stream = await chatStream(ctx.instance, alice, { message: 'Kündigungsfrist?', rag: {} });
    const queued = await stream.waitForType('queued');
    const jobId = String(queued.jobId);
    await waitFor(() => ctx.fake.generations().some((g) => g.tokensSent > 0), 'a token');

    const reconnect = await StreamClient.open(`${ctx.instance.url}/api/llm/jobs/${jobId}/stream`, {
      headers: alice.headers,
    });
    await reconnect.waitForType('snapshot');
    expect(reconnect.types().slice(0, 2)).toEqual(['sources', 'snapshot']);

    await request(ctx.instance.url).delete(`/api/llm/jobs/${jobId}`).set(alice.headers).expect(200);
    ctx.fake.resume();
    await stream.waitForEnd();
    expect(stream.types().at(-1)).toBe('cancelled');
    const message = await ctx.db
      .selectFrom('chat_messages')
      .select(['status', 'sources'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(message.status).toBe('cancelled');
    expect((message.sources as unknown[]).length).toBe(2);
    reconnect.close();
  });

  it('says so with 503 when the search cannot be reached, and stores nothing', async () => {
    search.down = true;
    const count = await ctx.db
      .selectFrom('chat_messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const response = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'Kündigungsfrist?', rag: {}, stream: false })
      .expect(503);
    expect((response.body as { error: { code: string } }).error.code).toBe('search_unavailable');
    const after = await ctx.db
      .selectFrom('chat_messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(count.n);
  });

  it('refuses a bad rag option with 400', async () => {
    const response = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'x', rag: { spaceIds: ['not-a-uuid'] } })
      .expect(400);
    expect((response.body as { error: { code: string } }).error.code).toBe('validation_failed');
  });

  it('gives n8n the same cited answers through the OpenAI extension', async () => {
    ctx.fake.setDefaultReply({ tokens: ['Drei Monate [1].'] });
    const response = await request(ctx.instance.url)
      .post('/v1/chat/completions')
      .set(alice.headers)
      .send({
        messages: [{ role: 'user', content: 'Wie lang ist die Kündigungsfrist?' }],
        arasul: { rag: { spaceIds: [SPACE] } },
      })
      .expect(200);
    const body = response.body as {
      choices: { message: { content: string } }[];
      arasul: { sources: { n: number; page: number }[]; noResult: boolean };
    };
    expect(body.choices[0]?.message.content).toBe('Drei Monate [1].');
    expect(body.arasul.sources.map((s) => [s.n, s.page])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    expect(body.arasul.noResult).toBe(false);

    search.answer = () => ({ hits: [] });
    const none = await request(ctx.instance.url)
      .post('/v1/chat/completions')
      .set(alice.headers)
      .send({ messages: [{ role: 'user', content: 'Wie hoch ist das Budget?' }], arasul: { rag: {} } })
      .expect(200);
    expect((none.body as typeof body).choices[0]?.message.content).toBe(
      'Dazu habe ich in den Dokumenten nichts gefunden.',
    );
    expect((none.body as typeof body).arasul.noResult).toBe(true);
  });
});
