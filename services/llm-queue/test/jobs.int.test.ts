/**
 * Chat jobs end to end over HTTP: admission, the event stream, listeners and reconnects, cancel, the queue
 * cap, the queue view, durability while streaming, and who may see what.
 */
import request from 'supertest';
import {
  jobListSchema,
  jobSchema,
  jobStreamEventSchema,
  modelSwitchListSchema,
  queueOverviewSchema,
} from '@arasul/contracts';
import {
  StreamClient,
  identityHeaders,
  type TestContext,
  type TestUser,
  chatStream,
  createTestContext,
  jobRow,
  waitFor,
} from './helpers';

const WORDS = Array.from({ length: 12 }, (_, i) => `w${i} `);

describe('chat jobs', () => {
  let ctx: TestContext;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext({ LLM_HEARTBEAT_SECONDS: '1' });
    alice = await ctx.user('operator', 'alice');
    bob = await ctx.user('operator', 'bob');
  });
  afterAll(() => ctx.close());
  afterEach(() => {
    ctx.fake.resume();
    ctx.fake.setDefaultReply({});
  });

  it('streams queued, model_loading, started, tokens and done, and stores question and answer', async () => {
    const stream = await chatStream(ctx.instance, alice, { message: 'Hi there' });
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toContain('text/event-stream');
    await stream.waitForEnd();

    const types = stream.types();
    expect(types[0]).toBe('queued');
    expect(types).toEqual(expect.arrayContaining(['started', 'model_loading', 'token', 'done']));
    expect(types.indexOf('started')).toBeLessThan(types.indexOf('token'));
    expect(types[types.length - 1]).toBe('done');
    expect(stream.text()).toBe('Hello, world!');
    for (const event of stream.events) expect(jobStreamEventSchema.safeParse(event).error).toBeUndefined();
    const first = stream.events[0] as Record<string, unknown>;
    const jobId = String(first.jobId);
    const done = stream.events.find((e) => e.type === 'done') as unknown as {
      usage: { completionTokens: number };
    };
    expect(done.usage.completionTokens).toBe(4);

    const messages = await ctx.db
      .selectFrom('chat_messages')
      .select(['role', 'content', 'status', 'model'])
      .where('conversation_id', '=', String(first.conversationId))
      .orderBy('created_at')
      .execute();
    expect(messages).toEqual([
      { role: 'user', content: 'Hi there', status: 'complete', model: null },
      { role: 'assistant', content: 'Hello, world!', status: 'complete', model: 'qwen3:8b' },
    ]);
    expect(await jobRow(ctx.db, jobId)).toMatchObject({
      status: 'completed',
      source: 'chat',
      completion_tokens: 4,
    });
    const event = await ctx.events.waitFor('llm.job.finished', (p) => p.jobId === jobId);
    expect(event.payload).toMatchObject({
      outcome: 'completed',
      model: 'qwen3:8b',
      source: 'chat',
      completionTokens: 4,
    });
    const switches = await ctx.db.selectFrom('llm_model_switches').selectAll().execute();
    expect(switches).toEqual([
      expect.objectContaining({ from_model: null, to_model: 'qwen3:8b', triggered_by: 'queue' }),
    ]);
    const shown = await request(ctx.instance.url).get('/api/models/switches').set(alice.headers);
    expect(modelSwitchListSchema.safeParse(shown.body).error).toBeUndefined();
    expect(shown.body.items).toEqual([
      expect.objectContaining({ fromModel: null, toModel: 'qwen3:8b', triggeredBy: 'queue' }),
    ]);
  });

  it('sends the whole conversation as history on a follow-up', async () => {
    const first = await chatStream(ctx.instance, alice, { message: 'My name is Alice.' });
    await first.waitForEnd();
    const conversationId = String(first.events[0]?.conversationId);
    const second = await chatStream(ctx.instance, alice, { message: 'What is my name?', conversationId });
    await second.waitForEnd();
    const last = ctx.fake.generations().at(-1);
    expect((last?.body as { messages: unknown[] }).messages).toEqual([
      { role: 'user', content: 'My name is Alice.' },
      { role: 'assistant', content: 'Hello, world!' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('answers 202 with job id and position at once when stream is false', async () => {
    const res = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'later', stream: false, priority: 'batch' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ jobId: expect.any(String), conversationId: expect.any(String) });
    expect(typeof res.body.position).toBe('number');
    await waitFor(async () => (await jobRow(ctx.db, res.body.jobId)).status === 'completed', 'job done');
  });

  it('serves any number of listeners; a reconnect gets a snapshot, then the rest; closing a tab cancels nothing', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 40 });
    const a = await chatStream(ctx.instance, alice, { message: 'long answer' });
    await a.waitFor((e) => e.type === 'token' && e.text === 'w2 ', 'third token');
    const jobId = String(a.events[0]?.jobId);
    const listeners = await Promise.all(
      Array.from({ length: 5 }, () =>
        StreamClient.open(`${ctx.instance.url}/api/llm/jobs/${jobId}/stream`, { headers: alice.headers }),
      ),
    );
    a.close();
    for (const b of listeners) {
      await b.waitForEnd();
      const snapshot = b.events[0] as { type: string; content: string };
      expect(snapshot.type).toBe('snapshot');
      expect(snapshot.content.startsWith('w0 w1 w2 ')).toBe(true);
      expect(snapshot.content + b.text()).toBe(WORDS.join(''));
      expect(b.types().at(-1)).toBe('done');
    }
    expect(await jobRow(ctx.db, jobId)).toMatchObject({ status: 'completed', response: WORDS.join('') });

    // After the end, a reconnect gets the snapshot and the final event, then the stream closes.
    const late = await StreamClient.open(`${ctx.instance.url}/api/llm/jobs/${jobId}/stream`, {
      headers: alice.headers,
    });
    await late.waitForEnd();
    expect(late.types()).toEqual(['snapshot', 'done']);
  });

  it('writes the text to the database while it streams', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 60 });
    const stream = await chatStream(ctx.instance, alice, { message: 'durable' });
    await stream.waitFor((e) => e.type === 'token' && e.text === 'w4 ', 'fifth token');
    const jobId = String(stream.events[0]?.jobId);
    const row = await waitFor(async () => {
      const message = await ctx.db
        .selectFrom('chat_messages')
        .select(['content', 'status'])
        .where('job_id', '=', jobId)
        .executeTakeFirstOrThrow();
      return message.content.length >= 'w0 w1 w2 '.length ? message : undefined;
    }, 'flushed text');
    expect(row.status).toBe('streaming');
    expect(WORDS.join('').startsWith(row.content)).toBe(true);
    await stream.waitForEnd();
  });

  it('cancels a queued job: it leaves the queue and never reaches Ollama', async () => {
    ctx.fake.pause();
    const running = await chatStream(ctx.instance, alice, { message: 'first' });
    await running.waitForType('started');
    const queued = await chatStream(ctx.instance, alice, { message: 'second' });
    await queued.waitForType('queued');
    const queuedId = String(queued.events[0]?.jobId);
    const before = ctx.fake.generations().length;

    const res = await request(ctx.instance.url).delete(`/api/llm/jobs/${queuedId}`).set(alice.headers);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: queuedId, status: 'cancelled' });
    expect(jobSchema.safeParse(res.body).error).toBeUndefined();
    await queued.waitForEnd();
    expect(queued.types().at(-1)).toBe('cancelled');
    expect(await ctx.db.selectFrom('llm_queue').selectAll().where('job_id', '=', queuedId).execute()).toEqual(
      [],
    );

    ctx.fake.resume();
    await running.waitForEnd();
    await new Promise((r) => setTimeout(r, 100));
    expect(ctx.fake.generations()).toHaveLength(before);
  });

  it('cancels a running job: Ollama sees the abort, the message keeps its partial text marked cancelled', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 50 });
    const stream = await chatStream(ctx.instance, alice, { message: 'stop me' });
    await stream.waitFor((e) => e.type === 'token' && e.text === 'w2 ', 'third token');
    const jobId = String(stream.events[0]?.jobId);
    const upstream = ctx.fake.generations().at(-1);
    const started = Date.now();
    const res = await request(ctx.instance.url).delete(`/api/llm/jobs/${jobId}`).set(alice.headers);
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('cancelled');
    const abortedAt = await waitFor(() => upstream?.abortedAt, 'upstream abort', 1000);
    expect(abortedAt - started).toBeLessThan(200);

    await stream.waitForEnd();
    expect(stream.types().at(-1)).toBe('cancelled');
    const message = await ctx.db
      .selectFrom('chat_messages')
      .select(['content', 'status'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(message.status).toBe('cancelled');
    expect(message.content.startsWith('w0 w1 w2 ')).toBe(true);
    expect(message.content.length).toBeLessThan(WORDS.join('').length);
    await ctx.events.waitFor('llm.job.finished', (p) => p.jobId === jobId && p.outcome === 'cancelled');
  });

  it('shows the queue: positions, the running job and tokens per second; heartbeats keep waiting streams alive', async () => {
    ctx.fake.pause();
    const running = await chatStream(ctx.instance, alice, { message: 'running' });
    await running.waitForType('started');
    const waiting = await chatStream(ctx.instance, bob, { message: 'waiting' });
    await waiting.waitForType('queued');
    const queue = await request(ctx.instance.url).get('/api/llm/queue').set(bob.headers);
    expect(queue.status).toBe(200);
    expect(queue.body.backend.status).toBe('up');
    expect(queueOverviewSchema.safeParse(queue.body).error).toBeUndefined();
    // Somebody else's job is an anonymous place in line: no id, no source.
    expect(queue.body.running).toEqual([expect.objectContaining({ jobId: null, source: null, mine: false })]);
    expect(queue.body.queued).toEqual([
      expect.objectContaining({ jobId: waiting.events[0]?.jobId, position: 1, mine: true, status: 'queued' }),
    ]);
    expect(queue.body.tokensPerSecond).toEqual(expect.any(Number));
    // A signed-in administrator sees every job; an administrator's API key does not.
    const admin = await ctx.user('admin');
    const asAdmin = await request(ctx.instance.url).get('/api/llm/queue').set(admin.headers);
    expect(asAdmin.body.running).toEqual([
      expect.objectContaining({ jobId: running.events[0]?.jobId, source: 'chat' }),
    ]);
    const adminKey = identityHeaders({
      ...admin.identity,
      authType: 'api_key',
      scopes: ['llm:chat'],
      apiKeyId: 5,
    });
    const asKey = await request(ctx.instance.url).get('/api/llm/queue').set(adminKey);
    expect(asKey.body.running).toEqual([expect.objectContaining({ jobId: null, source: null })]);
    expect(asKey.body.queued).toEqual([expect.objectContaining({ jobId: null, mine: false })]);
    await waiting.waitForType('heartbeat', 3000);
    ctx.fake.resume();
    await waiting.waitForEnd();
  });

  it('keeps jobs and chats private: 404 for somebody else, an administrator may cancel', async () => {
    const res = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'mine', stream: false });
    const jobId = res.body.jobId as string;
    expect((await request(ctx.instance.url).get(`/api/llm/jobs/${jobId}`).set(bob.headers)).status).toBe(404);
    expect(
      (await request(ctx.instance.url).get(`/api/llm/jobs/${jobId}/stream`).set(bob.headers)).status,
    ).toBe(404);
    expect((await request(ctx.instance.url).delete(`/api/llm/jobs/${jobId}`).set(bob.headers)).status).toBe(
      404,
    );
    expect(
      (await request(ctx.instance.url).get(`/api/chats/${res.body.conversationId}`).set(bob.headers)).status,
    ).toBe(404);
    const own = await request(ctx.instance.url).get(`/api/llm/jobs/${jobId}`).set(alice.headers);
    expect(own.status).toBe(200);
    expect(jobSchema.safeParse(own.body).error).toBeUndefined();
    const list = await request(ctx.instance.url)
      .get(`/api/llm/jobs?conversationId=${res.body.conversationId}`)
      .set(alice.headers);
    expect(jobListSchema.safeParse(list.body).error).toBeUndefined();
    expect(list.body.items.map((j: { id: string }) => j.id)).toEqual([jobId]);
    const viewer = await ctx.user('viewer');
    expect(
      (await request(ctx.instance.url).post('/api/llm/chat').set(viewer.headers).send({ message: 'x' }))
        .status,
    ).toBe(403);
    expect((await request(ctx.instance.url).get('/api/llm/queue').set(viewer.headers)).status).toBe(200);
    expect((await request(ctx.instance.url).get('/api/llm/queue')).status).toBe(401);
  });

  it("never lets an API key act with its creator's role: an admin's key cannot read or cancel others' jobs", async () => {
    const admin = await ctx.user('admin');
    const res = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'private', stream: false });
    const jobId = res.body.jobId as string;
    const key = identityHeaders({
      ...admin.identity,
      authType: 'api_key',
      scopes: ['llm:chat'],
      apiKeyId: 6,
    });
    expect((await request(ctx.instance.url).get(`/api/llm/jobs/${jobId}`).set(key)).status).toBe(404);
    expect((await request(ctx.instance.url).delete(`/api/llm/jobs/${jobId}`).set(key)).status).toBe(404);
    // The same administrator, signed in, may cancel it.
    expect((await request(ctx.instance.url).delete(`/api/llm/jobs/${jobId}`).set(admin.headers)).status).toBe(
      200,
    );
  });
});

describe('per-user and per-key caps', () => {
  let ctx: TestContext | undefined;
  afterAll(() => ctx?.close());

  it('caps waiting jobs per user and per key, and open LLM requests per user, with 429 naming the cap', async () => {
    const context = await createTestContext({
      LLM_MAX_QUEUED_PER_USER: '2',
      LLM_MAX_QUEUED_PER_KEY: '1',
      LLM_MAX_STREAMS_PER_USER: '4',
    });
    ctx = context;
    const carol = await context.user('operator', 'carol');
    const dave = await context.user('operator', 'dave');
    context.fake.pause();
    const post = (headers: Record<string, string>) =>
      request(context.instance.url).post('/api/llm/chat').set(headers).send({ message: 'x', stream: false });
    const keyHeaders = identityHeaders({
      ...dave.identity,
      authType: 'api_key',
      scopes: ['llm:chat'],
      apiKeyId: 7,
    });

    // Dave's first job runs, the next waits; his key may have one waiting job of its own.
    const started = [post(dave.headers), post(dave.headers)].map((p) => p.then((r) => r));
    await waitFor(
      async () =>
        (await context.db.selectFrom('llm_queue').select('id').execute()).length >= 2 ? true : undefined,
      'two jobs',
      10_000,
    );
    const keyFirst = post(keyHeaders).then((r) => r);
    await waitFor(
      async () =>
        (await context.db.selectFrom('llm_queue').select('id').execute()).length >= 3 ? true : undefined,
      'key job',
      10_000,
    );
    const keySecond = await post(keyHeaders);
    expect(keySecond.status).toBe(429);
    expect(keySecond.headers['retry-after']).toMatch(/^\d+$/);
    // Dave (through any credential) already has two waiting jobs: his own cap answers first.
    expect(keySecond.body.error).toMatchObject({
      code: 'caller_cap_exceeded',
      details: { cap: 'queued_jobs_per_user', limit: 2 },
    });
    const otherKey = identityHeaders({
      ...carol.identity,
      authType: 'api_key',
      scopes: ['llm:chat'],
      apiKeyId: 7,
    });
    const sameKeyOtherUser = await post(otherKey);
    expect(sameKeyOtherUser.body.error).toMatchObject({
      code: 'caller_cap_exceeded',
      details: { cap: 'queued_jobs_per_key', limit: 1 },
    });

    // Carol: four streams following her two waiting jobs are four open requests, her cap.
    const carolJobs = [post(carol.headers), post(carol.headers)].map((p) => p.then((r) => r));
    const carolIds = await waitFor(
      async () => {
        const rows = await context.db
          .selectFrom('llm_jobs')
          .select('id')
          .where('user_id', '=', carol.id)
          .execute();
        return rows.length === 2 ? rows.map((r) => r.id) : undefined;
      },
      'carol jobs',
      3000,
    );
    const follow = [...carolIds, ...carolIds].map((id) =>
      request(context.instance.url)
        .get(`/api/llm/jobs/${id}/stream`)
        .set(carol.headers)
        .then((r) => r),
    );
    await waitFor(
      () => (context.instance.services.streamCaps.open().users >= 4 ? true : undefined),
      'open requests',
      3000,
    );
    const fourth = await request(context.instance.url)
      .get(`/api/llm/jobs/${carolIds[1] ?? ''}/stream`)
      .set(carol.headers);
    expect(fourth.status).toBe(429);
    expect(fourth.body.error).toMatchObject({
      code: 'caller_cap_exceeded',
      details: { cap: 'streams_per_user', limit: 4 },
    });
    expect(fourth.body.error.message).toContain('streams_per_user');

    context.fake.resume();
    await Promise.all([...started, keyFirst, ...carolJobs, ...follow]);
    expect(context.instance.services.streamCaps.open()).toEqual({ users: 0, keys: 0 });
  });
});

describe('the queue cap', () => {
  let ctx: TestContext | undefined;
  afterAll(() => ctx?.close());

  it('refuses with 503 queue_full and Retry-After beyond LLM_MAX_QUEUE waiting jobs', async () => {
    const context = await createTestContext({ LLM_MAX_QUEUE: '2' });
    ctx = context;
    const user = await context.user();
    context.fake.pause();
    const post = () =>
      request(context.instance.url)
        .post('/api/llm/chat')
        .set(user.headers)
        .send({ message: 'x', stream: false });
    const first = await post();
    await waitFor(
      async () => (await jobRow(context.db, first.body.jobId)).status === 'processing',
      'first running',
    );
    expect((await post()).status).toBe(202);
    expect((await post()).status).toBe(202);
    const refused = await post();
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('queue_full');
    expect(refused.body.error.message).toMatch(/queue is full/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    context.fake.resume();
  });
});
