/**
 * The internal control endpoints the self-healing agent's guards use: stop the running job(s) with a reason
 * (the caller's stream ends with `stopped_by_system`), unload models (`keep_alive: 0`, seen by the fake),
 * progress, and pausing batch work (running batch jobs go back to the queue, resume on release).
 */
import request from 'supertest';
import {
  INTERNAL_SECRET,
  StreamClient,
  type TestContext,
  type TestUser,
  chatStream,
  createTestContext,
  jobRow,
  waitFor,
} from './helpers';

const WORDS = Array.from({ length: 20 }, (_, i) => `w${i} `);
const internal = { authorization: `Bearer ${INTERNAL_SECRET}` };

describe('internal control for the self-healing agent', () => {
  let ctx: TestContext;
  let alice: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext();
    alice = await ctx.user('operator', 'alice');
  });
  afterAll(() => ctx.close());
  afterEach(() => {
    ctx.fake.resume();
    ctx.fake.setDefaultReply({});
  });

  const control = () => request(ctx.instance.url);

  it('refuses callers without the internal secret and bad bodies with a stable code', async () => {
    const anonymous = await control().post('/internal/llm/control/stop-running').send({ reason: 'heat' });
    expect(anonymous.status).toBe(401);
    const empty = await control().post('/internal/llm/control/stop-running').set(internal).send({});
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('validation_failed');
    const tooShort = await control()
      .put('/internal/llm/control/batch')
      .set(internal)
      .send({ paused: true, reason: 'ram', forSeconds: 1 });
    expect(tooShort.status).toBe(400);
  });

  it('stops the running job with a reason: the stream ends with stopped_by_system, the row says why, models unload', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 40 });
    const stream = await chatStream(ctx.instance, alice, { message: 'a long answer please' });
    await stream.waitFor((e) => e.type === 'token' && e.text === 'w2 ', 'third token');
    const jobId = String(stream.events[0]?.jobId);

    const progress = await control().get('/internal/llm/control/progress').set(internal).expect(200);
    expect(progress.body.running).toEqual([
      expect.objectContaining({ jobId, model: 'qwen3:8b', priority: 'interactive' }),
    ]);
    expect(progress.body.running[0].tokens).toBeGreaterThanOrEqual(3);
    expect(progress.body.generatedTokens).toBeGreaterThanOrEqual(3);
    expect(progress.body.loadedModels).toContain('qwen3:8b');

    const unloadsBefore = ctx.fake.unloads().length;
    const res = await control()
      .post('/internal/llm/control/stop-running')
      .set(internal)
      .send({ reason: 'temperature 92 °C', unloadModels: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ stopped: [jobId], unloaded: ['qwen3:8b'] });

    await stream.waitForEnd();
    const last = stream.events.at(-1);
    expect(last).toMatchObject({ type: 'error', code: 'stopped_by_system' });
    expect(String(last?.message)).toContain('temperature 92 °C');
    const row = await jobRow(ctx.db, jobId);
    expect(row.status).toBe('failed');
    expect(row.error_code).toBe('stopped_by_system');
    expect(row.error).toContain('temperature 92 °C');
    expect(ctx.fake.unloads().slice(unloadsBefore)).toEqual([expect.objectContaining({ model: 'qwen3:8b' })]);
    await ctx.events.waitFor('llm.job.finished', (p) => p.jobId === jobId && p.outcome === 'failed');

    const after = await control().get('/internal/llm/control/progress').set(internal).expect(200);
    expect(after.body.running).toEqual([]);
    expect(after.body.loadedModels).toEqual([]);
  });

  it('unloads every model on its own endpoint', async () => {
    await chatStream(ctx.instance, alice, { message: 'load it' }).then((s) => s.waitForEnd());
    const before = ctx.fake.unloads().length;
    const res = await control()
      .post('/internal/llm/control/unload')
      .set(internal)
      .send({ reason: 'GPU at 100 % without progress' })
      .expect(200);
    expect(res.body.unloaded).toEqual(['qwen3:8b']);
    expect(ctx.fake.unloads()).toHaveLength(before + 1);
  });

  it('pauses batch work (the running batch job goes back to the queue), interactive work goes on, resume finishes it', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 30 });
    const batch = await control()
      .post('/api/llm/chat')
      .set(alice.headers)
      .send({ message: 'summarise the week', stream: false, priority: 'batch' })
      .expect(202);
    const batchId = String(batch.body.jobId);
    await waitFor(async () => (await jobRow(ctx.db, batchId)).status === 'processing', 'the batch job runs');
    await waitFor(
      async () => ((await jobRow(ctx.db, batchId)).response ?? '').length > 0,
      'the batch job has text',
    );

    const paused = await control()
      .put('/internal/llm/control/batch')
      .set(internal)
      .send({ paused: true, reason: 'RAM at 96 %', forSeconds: 60 })
      .expect(200);
    expect(paused.body.requeued).toEqual([batchId]);
    expect(paused.body.batchPaused).toMatchObject({ reason: 'RAM at 96 %' });
    await waitFor(async () => (await jobRow(ctx.db, batchId)).status === 'pending', 'back in the queue');

    const interactive = await chatStream(ctx.instance, alice, { message: 'quick question' });
    await interactive.waitForEnd(10_000);
    expect(interactive.types().at(-1)).toBe('done');
    expect((await jobRow(ctx.db, batchId)).status).toBe('pending');
    const progress = await control().get('/internal/llm/control/progress').set(internal).expect(200);
    expect(progress.body.batchPaused).toMatchObject({ reason: 'RAM at 96 %' });

    await control().put('/internal/llm/control/batch').set(internal).send({ paused: false }).expect(200);
    const done = await waitFor(
      async () => {
        const row = await jobRow(ctx.db, batchId);
        return row.status === 'completed' ? row : undefined;
      },
      'the batch job completes after the resume',
      10_000,
    );
    expect(done.response).toBe(WORDS.join(''));
  });

  it('streams an internal job as SSE: admitted, tokens as they come, done; a bad body is a 400 before any stream', async () => {
    ctx.fake.setDefaultReply({ tokens: ['Alles', ' ruhig', '.'], tokenDelayMs: 20 });
    const stream = await StreamClient.open(`${ctx.instance.url}/internal/llm/stream`, {
      method: 'POST',
      headers: internal,
      body: { source: 'selfhealing', messages: [{ role: 'user', content: 'Wie geht es der Box?' }] },
    });
    expect(stream.headers['content-type']).toContain('text/event-stream');
    await stream.waitForEnd();
    expect(stream.events[0]).toMatchObject({ type: 'admitted', model: 'qwen3:8b' });
    expect(stream.text()).toBe('Alles ruhig.');
    expect(stream.types().at(-1)).toBe('done');
    const row = await jobRow(ctx.db, String(stream.events[0]?.jobId));
    expect(row).toMatchObject({ source: 'selfhealing', status: 'completed' });

    const bad = await control().post('/internal/llm/stream').set(internal).send({ source: 'selfhealing' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});
