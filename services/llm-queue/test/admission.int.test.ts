/**
 * The fast path of an idle queue: the job is claimed by the statement that stores it, and its upstream
 * request starts while the COMMIT is still on its way. A deferred constraint trigger (fires at COMMIT)
 * makes the commit slow or makes it fail, so both orders can be observed.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { StreamClient, type TestContext, type TestUser, createTestContext, waitFor } from './helpers';

describe('admission on an idle queue', () => {
  let ctx: TestContext;
  let user: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext();
    user = await ctx.user();
    await sql`
      CREATE FUNCTION test_commit_hook() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.prompt = 'fail at commit' THEN RAISE EXCEPTION 'refused at commit'; END IF;
        IF NEW.prompt = 'slow commit' THEN PERFORM pg_sleep(0.4); END IF;
        RETURN NULL;
      END $$
    `.execute(ctx.db);
    await sql`
      CREATE CONSTRAINT TRIGGER test_commit_hook AFTER INSERT ON llm_jobs
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_commit_hook()
    `.execute(ctx.db);
  });
  afterAll(() => ctx.close());
  afterEach(() => ctx.fake.setDefaultReply({}));

  const promptOf = (body: unknown) =>
    (body as { messages?: { role: string; content: string }[] }).messages?.find((m) => m.role === 'user')
      ?.content;

  it('asks Ollama before the COMMIT is done, shows nothing before it, and runs the job exactly once', async () => {
    const sent = Date.now();
    const stream = await StreamClient.open(`${ctx.instance.url}/api/llm/chat`, {
      method: 'POST',
      headers: user.headers,
      body: { message: 'slow commit' },
    });
    const answeredAt = Date.now();
    await stream.waitForEnd();
    expect(stream.types()[0]).toBe('queued');
    expect(stream.types().at(-1)).toBe('done');
    const upstream = ctx.fake.generations().filter((g) => promptOf(g.body) === 'slow commit');
    expect(upstream).toHaveLength(1);
    // The commit took ≥ 400 ms; Ollama was asked long before it ended (and before anything was answered).
    expect((upstream[0]?.receivedAt ?? Infinity) - sent).toBeLessThan(300);
    expect(answeredAt - sent).toBeGreaterThanOrEqual(390);
    const jobId = String(stream.events[0]?.jobId);
    const job = await ctx.db
      .selectFrom('llm_jobs')
      .select(['status', 'response'])
      .where('id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(stream.text()).not.toBe('');
    expect(job).toEqual({ status: 'completed', response: stream.text() });
    const entries = await ctx.db.selectFrom('llm_queue').select('id').where('job_id', '=', jobId).execute();
    expect(entries).toEqual([]);
  });

  it('drops the started run when the COMMIT fails: no job, no answer, Ollama aborted, the slot free again', async () => {
    ctx.fake.setDefaultReply({ tokens: Array.from({ length: 40 }, (_, i) => `w${i} `), tokenDelayMs: 25 });
    const res = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(user.headers)
      .send({ message: 'fail at commit' });
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal_error');

    const upstream = ctx.fake.generations().filter((g) => promptOf(g.body) === 'fail at commit');
    expect(upstream).toHaveLength(1);
    await waitFor(() => upstream[0]?.abortedAt, 'upstream request aborted');
    expect(upstream[0]?.finishedAt).toBeNull();
    const jobs = await ctx.db
      .selectFrom('llm_jobs')
      .select('id')
      .where('prompt', '=', 'fail at commit')
      .execute();
    expect(jobs).toEqual([]);
    const messages = await ctx.db
      .selectFrom('chat_messages')
      .select('id')
      .where('content', '=', 'fail at commit')
      .execute();
    expect(messages).toEqual([]);
    await waitFor(() => ctx.instance.services.scheduler.runningJobs().length === 0 || undefined, 'no runner');

    ctx.fake.setDefaultReply({});
    const next = await StreamClient.open(`${ctx.instance.url}/api/llm/chat`, {
      method: 'POST',
      headers: user.headers,
      body: { message: 'after the failure' },
    });
    await next.waitForEnd();
    expect(next.types().at(-1)).toBe('done');
  });
});
