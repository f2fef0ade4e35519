/**
 * When Ollama misbehaves: out of memory, a model that is not there, dropped connections, silence, and
 * Ollama gone altogether and back.
 */
import request from 'supertest';
import {
  INTERNAL_SECRET,
  type TestContext,
  type TestUser,
  chatStream,
  createTestContext,
  jobRow,
} from './helpers';

const WORDS = ['a ', 'b ', 'c ', 'd ', 'e ', 'f ', 'g ', 'h '];

describe('failure handling', () => {
  let ctx: TestContext;
  let user: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext({ LLM_INACTIVITY_TIMEOUT_SECONDS: '1' });
    user = await ctx.user();
  });
  afterAll(() => ctx.close());
  afterEach(() => ctx.fake.setDefaultReply({}));

  it('on out-of-memory unloads every model (keep_alive 0) and retries once', async () => {
    const warm = await chatStream(ctx.instance, user, { message: 'warm up' });
    await warm.waitForEnd();
    ctx.fake.failNext({ kind: 'oom' });
    const before = ctx.fake.requests.length;
    const stream = await chatStream(ctx.instance, user, { message: 'big' });
    await stream.waitForEnd();
    expect(stream.types().at(-1)).toBe('done');
    expect(stream.text()).toBe('Hello, world!');
    const requests = ctx.fake.requests.slice(before);
    const unloads = requests.filter(
      (r) => (r.body as { keep_alive?: unknown } | undefined)?.keep_alive === 0,
    );
    expect(unloads.map((r) => (r.body as { model: string }).model)).toEqual(['qwen3:8b']);
    expect(requests.filter((r) => r.path === '/api/chat')).toHaveLength(2);
  });

  it('fails with out_of_memory when the retry runs out of memory too', async () => {
    ctx.fake.failNext({ kind: 'oom' });
    ctx.fake.failNext({ kind: 'oom', afterTokens: 1 });
    const stream = await chatStream(ctx.instance, user, { message: 'too big' });
    await stream.waitForEnd();
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'out_of_memory' });
  });

  it('refuses an unknown model with 404 model_not_installed naming it', async () => {
    const res = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(user.headers)
      .send({ message: 'hi', model: 'nonexistent:7b' });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('model_not_installed');
    expect(res.body.error.message).toContain('nonexistent:7b');
  });

  it('fails a job whose model vanished from Ollama with model_not_installed', async () => {
    ctx.fake.failNext({ kind: 'not_found' });
    const stream = await chatStream(ctx.instance, user, { message: 'where did it go' });
    await stream.waitForEnd();
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'model_not_installed' });
    expect(String(stream.events.at(-1)?.message)).toContain('qwen3:8b');
  });

  it('retries a dropped connection, and continues an answer that broke off mid-stream without repeating it', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS });
    ctx.fake.failNext({ kind: 'drop' });
    const first = await chatStream(ctx.instance, user, { message: 'drop before' });
    await first.waitForEnd();
    expect(first.text()).toBe(WORDS.join(''));

    ctx.fake.script({ tokens: WORDS, failure: { kind: 'drop', afterTokens: 3 } });
    const before = ctx.fake.generations().length;
    const second = await chatStream(ctx.instance, user, { message: 'drop during' });
    await second.waitForEnd();
    expect(second.types().at(-1)).toBe('done');
    expect(second.text()).toBe(WORDS.join(''));
    const retry = ctx.fake.generations()[before + 1];
    expect((retry?.body as { messages: { role: string; content: string }[] }).messages.at(-1)).toEqual({
      role: 'assistant',
      content: 'a b c ',
    });
  });

  it('fails after LLM_INACTIVITY_TIMEOUT_SECONDS without a token, aborting the request and keeping the text', async () => {
    ctx.fake.script({ tokens: WORDS, failure: { kind: 'hang', afterTokens: 2 } });
    const stream = await chatStream(ctx.instance, user, { message: 'silence' });
    await stream.waitForEnd(5000);
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'inactivity_timeout' });
    const upstream = ctx.fake.generations().at(-1);
    expect(upstream?.abortedAt).not.toBeNull();
    const jobId = String(stream.events[0]?.jobId);
    expect(await jobRow(ctx.db, jobId)).toMatchObject({
      status: 'failed',
      response: 'a b ',
      error_code: 'inactivity_timeout',
    });
  });

  it('lets jobs wait while Ollama is unreachable, shows it, and runs them when it is back', async () => {
    await ctx.fake.stop();
    const stream = await chatStream(ctx.instance, user, { message: 'are you there' });
    await stream.waitFor(
      (e) => e.type === 'backend_unavailable' || (e.type === 'queued' && e.status === 'backend_unavailable'),
      'backend_unavailable on the stream',
    );
    const jobId = String(stream.events[0]?.jobId);
    const queue = await request(ctx.instance.url).get('/api/llm/queue').set(user.headers);
    expect(queue.body.backend.status).toBe('down');
    expect(queue.body.queued).toEqual([expect.objectContaining({ jobId, status: 'backend_unavailable' })]);
    const job = await request(ctx.instance.url).get(`/api/llm/jobs/${jobId}`).set(user.headers);
    expect(job.body.status).toBe('backend_unavailable');
    const ready = await request(ctx.instance.url)
      .get('/health/ready')
      .set('Authorization', `Bearer ${INTERNAL_SECRET}`);
    expect(ready.status).toBe(200);
    expect(ready.body.checks.ollama).toMatchObject({ status: 'down', critical: false });

    await ctx.fake.start();
    await stream.waitForEnd(5000);
    expect(stream.types().at(-1)).toBe('done');
    expect((await jobRow(ctx.db, jobId)).status).toBe('completed');
  });
});

describe('a backend that stays away', () => {
  let ctx: TestContext | undefined;
  afterAll(() => ctx?.close());

  it('fails waiting jobs with backend_unavailable after LLM_BACKEND_WAIT_TIMEOUT_SECONDS', async () => {
    const context = await createTestContext({ LLM_BACKEND_WAIT_TIMEOUT_SECONDS: '1' });
    ctx = context;
    const user = await context.user();
    await context.fake.stop();
    const stream = await chatStream(context.instance, user, { message: 'anyone?' });
    await stream.waitForEnd(5000);
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'backend_unavailable' });
    await context.fake.start();
  });
});
