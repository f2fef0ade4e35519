/**
 * The order in which Ollama really receives the jobs: model affinity, the max-wait bound, interactive
 * before batch, aging. A held first job keeps the slot busy while the queue fills up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import request from 'supertest';
import {
  INTERNAL_SECRET,
  type TestContext,
  type TestUser,
  createTestContext,
  jobRow,
  waitFor,
} from './helpers';

async function admit(ctx: TestContext, user: TestUser, message: string, extra: Record<string, unknown> = {}) {
  const res = await request(ctx.instance.url)
    .post('/api/llm/chat')
    .set(user.headers)
    .send({ message, stream: false, ...extra });
  expect(res.status).toBe(202);
  return res.body.jobId as string;
}

/** The user message of each generation Ollama received after `from`, in arrival order. */
function servedOrder(ctx: TestContext, from: number): string[] {
  return ctx.fake
    .generations()
    .slice(from)
    .map((r) => {
      const messages = (r.body as { messages: { role: string; content: string }[] }).messages;
      return messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    });
}

async function holdFirstJob(ctx: TestContext, user: TestUser): Promise<string> {
  ctx.fake.pause();
  const id = await admit(ctx, user, 'hold');
  await waitFor(async () => (await jobRow(ctx.db, id)).status === 'processing', 'first job running');
  await waitFor(
    () => ctx.fake.generations().length > 0 && ctx.fake.generations().at(-1),
    'request at ollama',
  );
  return id;
}

async function drain(ctx: TestContext, ids: string[]): Promise<void> {
  ctx.fake.resume();
  for (const id of ids) {
    await waitFor(async () => (await jobRow(ctx.db, id)).status === 'completed', `job ${id} done`, 10_000);
  }
}

describe('scheduling order', () => {
  let ctx: TestContext;
  let user: TestUser;

  beforeEach(async () => {
    ctx = await createTestContext(
      { LLM_MAX_WAIT_SECONDS: '2', LLM_BATCH_AGING_SECONDS: '2' },
      { loadDelayMs: 30 },
    );
    user = await ctx.user();
  });
  afterEach(() => ctx.close());

  it('prefers the loaded model, then interactive before batch; the queue shows that order', async () => {
    const from = ctx.fake.generations().length;
    const hold = await holdFirstJob(ctx, user);
    const b = await admit(ctx, user, 'B llama', { model: 'llama3.1:8b' });
    const c = await admit(ctx, user, 'C qwen');
    const d = await admit(ctx, user, 'D qwen batch', { priority: 'batch' });

    const queue = await request(ctx.instance.url).get('/api/llm/queue').set(user.headers);
    expect(queue.body.queued.map((q: { jobId: string }) => q.jobId)).toEqual([c, b, d]);
    expect(queue.body.queued.map((q: { position: number }) => q.position)).toEqual([1, 2, 3]);
    expect(queue.body.queued[0].etaSeconds).toBeLessThanOrEqual(queue.body.queued[1].etaSeconds);

    await drain(ctx, [hold, b, c, d]);
    expect(servedOrder(ctx, from)).toEqual(['hold', 'C qwen', 'B llama', 'D qwen batch']);

    // Every switch of the loaded model is recorded with its duration.
    const switches = await ctx.db.selectFrom('llm_model_switches').selectAll().orderBy('id').execute();
    expect(switches.map((s) => [s.from_model, s.to_model])).toEqual([
      [null, 'qwen3:8b'],
      ['qwen3:8b', 'llama3.1:8b'],
      ['llama3.1:8b', 'qwen3:8b'],
    ]);
    for (const s of switches) expect(s.switch_duration_ms).toBeGreaterThanOrEqual(25);
  });

  it('serves a job that waited LLM_MAX_WAIT_SECONDS for another model before the loaded model', async () => {
    const from = ctx.fake.generations().length;
    const hold = await holdFirstJob(ctx, user);
    const b = await admit(ctx, user, 'B llama waited', { model: 'llama3.1:8b' });
    await sleep(2100);
    const c = await admit(ctx, user, 'C qwen fresh');
    await drain(ctx, [hold, b, c]);
    expect(servedOrder(ctx, from)).toEqual(['hold', 'B llama waited', 'C qwen fresh']);
  });

  it('ages batch work: a batch job that waited long enough goes before a fresh interactive one', async () => {
    const from = ctx.fake.generations().length;
    const hold = await holdFirstJob(ctx, user);
    const fresh = await admit(ctx, user, 'batch fresh', { priority: 'batch' });
    const interactive = await admit(ctx, user, 'interactive');
    await drain(ctx, [hold, fresh, interactive]);
    expect(servedOrder(ctx, from)).toEqual(['hold', 'interactive', 'batch fresh']);

    const from2 = ctx.fake.generations().length;
    const hold2 = await holdFirstJob(ctx, user);
    const aged = await admit(ctx, user, 'batch aged', { priority: 'batch' });
    await sleep(2100);
    const late = await admit(ctx, user, 'interactive late');
    await drain(ctx, [hold2, aged, late]);
    expect(servedOrder(ctx, from2)).toEqual(['hold', 'batch aged', 'interactive late']);
  });

  it('serves a search query embedding (interactive) before queued ingest embeddings (batch)', async () => {
    const hold = await holdFirstJob(ctx, user);
    const embed = (input: string, source: string, priority: string) =>
      request(ctx.instance.url)
        .post('/internal/llm/embed')
        .set('authorization', `Bearer ${INTERNAL_SECRET}`)
        .send({ source, model: 'nomic-embed-text:latest', input: [input], priority })
        .then((res) => res.status);
    const queuedEmbeds = async () =>
      (
        await ctx.db
          .selectFrom('llm_jobs')
          .select('id')
          .where('kind', '=', 'embed')
          .where('status', '=', 'pending')
          .execute()
      ).length;
    const answers: Promise<number>[] = [];
    for (const [i, input] of ['ingest 1', 'ingest 2', 'ingest 3'].entries()) {
      answers.push(embed(input, 'indexer', 'batch'));
      await waitFor(async () => (await queuedEmbeds()) === i + 1, `batch embedding ${String(i + 1)} queued`);
    }
    answers.push(embed('search query', 'rag', 'interactive'));
    await waitFor(async () => (await queuedEmbeds()) === 4, 'search embedding queued');

    await drain(ctx, [hold]);
    expect(await Promise.all(answers)).toEqual([200, 200, 200, 200]);
    const served = ctx.fake.requests
      .filter((r) => r.path === '/api/embed')
      .map((r) => (r.body as { input: string[] }).input[0] ?? '');
    expect(served).toEqual(['search query', 'ingest 1', 'ingest 2', 'ingest 3']);
  });
});
