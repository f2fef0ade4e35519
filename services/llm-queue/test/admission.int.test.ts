/**
 * The fast path of an idle queue: the job is claimed by the statement that stores it, and its upstream
 * request starts while the COMMIT is still on its way. A deferred constraint trigger (fires at COMMIT)
 * makes the commit slow or makes it fail, so both orders can be observed.
 */
import { sql } from 'kysely';
import request from 'supertest';
import { StreamClient, type TestContext, type TestUser, createTestContext, waitFor } from './helpers';

/**
 * A deferred constraint trigger (fires at COMMIT, inside the admission's transaction): fails or slows the
 * commit for three prompts, and for prompts starting with `record ` notes the transaction's
 * synchronous_commit setting, i.e. whether its COMMIT waits for the WAL flush.
 */
async function installCommitHook(ctx: TestContext): Promise<void> {
  await sql`CREATE TABLE test_commit_settings (prompt text, synchronous_commit text)`.execute(ctx.db);
  await sql`
    CREATE FUNCTION test_commit_hook() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Late enough that the run has started (the COMMIT is answered right after the statement otherwise).
      IF NEW.prompt = 'fail at commit' THEN PERFORM pg_sleep(0.2); RAISE EXCEPTION 'refused at commit'; END IF;
      IF NEW.prompt = 'fail at once' THEN RAISE EXCEPTION 'refused at commit'; END IF;
      IF NEW.prompt = 'slow commit' THEN PERFORM pg_sleep(0.4); END IF;
      IF NEW.prompt LIKE 'record %' THEN
        INSERT INTO test_commit_settings VALUES (NEW.prompt, current_setting('synchronous_commit'));
      END IF;
      RETURN NULL;
    END $$
  `.execute(ctx.db);
  await sql`
    CREATE CONSTRAINT TRIGGER test_commit_hook AFTER INSERT ON llm_jobs
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_commit_hook()
  `.execute(ctx.db);
}

async function commitSetting(ctx: TestContext, prompt: string): Promise<string | undefined> {
  const { rows } = await sql<{
    synchronous_commit: string;
  }>`SELECT synchronous_commit FROM test_commit_settings WHERE prompt = ${prompt}`.execute(ctx.db);
  return rows[0]?.synchronous_commit;
}

async function streamToEnd(ctx: TestContext, user: TestUser, message: string): Promise<StreamClient> {
  const stream = await StreamClient.open(`${ctx.instance.url}/api/llm/chat`, {
    method: 'POST',
    headers: user.headers,
    body: { message },
  });
  await stream.waitForEnd();
  return stream;
}

describe('admission on an idle queue', () => {
  let ctx: TestContext;
  let user: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext();
    user = await ctx.user();
    await installCommitHook(ctx);
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
  it('answers 500 and stores nothing when the COMMIT fails at once (lock, statement and COMMIT in one write)', async () => {
    const res = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(user.headers)
      .send({ message: 'fail at once' });
    expect(res.status).toBe(500);
    const jobs = await ctx.db
      .selectFrom('llm_jobs')
      .select('id')
      .where('prompt', '=', 'fail at once')
      .execute();
    expect(jobs).toEqual([]);
    // Whether Ollama was asked at all depends on which answer came first; nothing of it is kept.
    const messages = await ctx.db
      .selectFrom('chat_messages')
      .select('id')
      .where('content', '=', 'fail at once')
      .execute();
    expect(messages).toEqual([]);
    await waitFor(() => ctx.instance.services.scheduler.runningJobs().length === 0 || undefined, 'no runner');
    const next = await streamToEnd(ctx, user, 'after the immediate failure');
    expect(next.types().at(-1)).toBe('done');
  });

  it('does not wait for the WAL flush when a watched job runs at once; a 202 admission and a queued one do', async () => {
    const watched = await streamToEnd(ctx, user, 'record watched');
    expect(watched.types().at(-1)).toBe('done');
    expect(await commitSetting(ctx, 'record watched')).toBe('off');
    // The job is stored and complete all the same.
    const job = await ctx.db
      .selectFrom('llm_jobs')
      .select(['status', 'response'])
      .where('prompt', '=', 'record watched')
      .executeTakeFirstOrThrow();
    expect(job).toEqual({ status: 'completed', response: watched.text() });

    const accepted = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(user.headers)
      .send({ message: 'record fire and forget', stream: false });
    expect(accepted.status).toBe(202);
    expect(await commitSetting(ctx, 'record fire and forget')).toBe('on');
    await waitFor(() => ctx.instance.services.scheduler.runningJobs().length === 0 || undefined, 'idle');

    // A slot taken: the next watched admission waits in the queue, and its acceptance is flushed first.
    ctx.fake.setDefaultReply({ tokens: Array.from({ length: 20 }, (_, i) => `w${i} `), tokenDelayMs: 25 });
    const busy = await StreamClient.open(`${ctx.instance.url}/api/llm/chat`, {
      method: 'POST',
      headers: user.headers,
      body: { message: 'record busy' },
    });
    const queued = await StreamClient.open(`${ctx.instance.url}/api/llm/chat`, {
      method: 'POST',
      headers: user.headers,
      body: { message: 'record queued' },
    });
    await busy.waitForEnd();
    await queued.waitForEnd();
    expect(queued.types().at(-1)).toBe('done');
    expect(await commitSetting(ctx, 'record busy')).toBe('off');
    expect(await commitSetting(ctx, 'record queued')).toBe('on');
  });
});

describe('admission with LLM_ADMISSION_SYNC_COMMIT=true', () => {
  let ctx: TestContext;
  let user: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext({ LLM_ADMISSION_SYNC_COMMIT: 'true' });
    user = await ctx.user();
    await installCommitHook(ctx);
  });
  afterAll(() => ctx.close());

  it('waits for the WAL flush of every admission, the watched one on an idle queue too', async () => {
    const watched = await streamToEnd(ctx, user, 'record watched');
    expect(watched.types().at(-1)).toBe('done');
    expect(await commitSetting(ctx, 'record watched')).toBe('on');
  });

  it('keeps admitting when a migration adds a column to llm_jobs while it runs (prepared statement)', async () => {
    // More admissions than admission connections, so each connection has prepared the statement.
    for (let i = 0; i < 5; i += 1) {
      expect((await streamToEnd(ctx, user, `before ${i}`)).types().at(-1)).toBe('done');
    }
    await sql`ALTER TABLE llm_jobs ADD COLUMN test_added integer`.execute(ctx.db);
    try {
      for (let i = 0; i < 5; i += 1) {
        const stream = await streamToEnd(ctx, user, `after ${i}`);
        expect({ status: stream.status, last: stream.types().at(-1) }).toEqual({ status: 200, last: 'done' });
      }
    } finally {
      await sql`ALTER TABLE llm_jobs DROP COLUMN test_added`.execute(ctx.db);
    }
  });
});
