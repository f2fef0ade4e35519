/**
 * Restarts: an instance is stopped mid-stream the way a killed process stops (nothing more written, its
 * database session and leader lock gone), then a new instance starts on the same database.
 */
import request from 'supertest';
import { StreamClient, type TestContext, type TestUser, createTestContext, jobRow, waitFor } from './helpers';

const WORDS = ['one ', 'two ', 'three ', 'four ', 'five ', 'six ', 'seven ', 'eight ', 'nine ', 'ten '];

async function admit(url: string, user: TestUser, message: string): Promise<string> {
  const res = await request(url).post('/api/llm/chat').set(user.headers).send({ message, stream: false });
  expect(res.status).toBe(202);
  return res.body.jobId as string;
}

describe('crash recovery', () => {
  let ctx: TestContext;
  let user: TestUser;

  beforeEach(async () => {
    ctx = await createTestContext();
    user = await ctx.user();
  });
  afterEach(() => ctx.close());

  it('resumes a job that was streaming when the service died: completed once, no text lost or doubled', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 40 });
    const jobId = await admit(ctx.instance.url, user, 'count to ten');
    const flushed = await waitFor(async () => {
      const row = await jobRow(ctx.db, jobId);
      return (row.response ?? '').includes('three ') ? row.response : undefined;
    }, 'partial text in the database');
    const first = ctx.fake.generations().at(-1);
    await ctx.instance.stop('crash');
    await waitFor(() => first?.abortedAt, 'first request aborted');
    expect((await jobRow(ctx.db, jobId)).status).toBe('processing');

    const next = await ctx.startInstance();
    const reconnect = await StreamClient.open(`${next.url}/api/llm/jobs/${jobId}/stream`, {
      headers: user.headers,
    });
    await waitFor(async () => (await jobRow(ctx.db, jobId)).status === 'completed', 'job completed', 10_000);
    const row = await jobRow(ctx.db, jobId);
    expect(row.response).toBe(WORDS.join(''));
    expect(row.recovery_count).toBe(1);
    const message = await ctx.db
      .selectFrom('chat_messages')
      .select(['content', 'status'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(message).toEqual({ content: WORDS.join(''), status: 'complete' });

    // Exactly two requests reached Ollama, never at the same time; the second continued the saved text.
    const generations = ctx.fake.generations();
    expect(generations).toHaveLength(2);
    const second = generations[1];
    expect(second?.receivedAt).toBeGreaterThanOrEqual(first?.abortedAt ?? Infinity);
    const messages = (second?.body as { messages: { role: string; content: string }[] }).messages;
    expect(messages.at(-1)?.role).toBe('assistant');
    expect(WORDS.join('').startsWith(messages.at(-1)?.content ?? 'x')).toBe(true);
    expect((messages.at(-1)?.content ?? '').length).toBeGreaterThanOrEqual(flushed.length);

    await reconnect.waitForEnd();
    const snapshot = reconnect.events[0] as { type: string; content: string };
    expect(snapshot.type).toBe('snapshot');
    expect(snapshot.content + reconnect.text()).toBe(WORDS.join(''));
  });

  it('keeps waiting jobs in their order across a restart and runs each exactly once', async () => {
    ctx.fake.pause();
    const ids = [await admit(ctx.instance.url, user, 'job 1')];
    await waitFor(async () => (await jobRow(ctx.db, ids[0] ?? '')).status === 'processing', 'job 1 running');
    for (let i = 2; i <= 6; i += 1) ids.push(await admit(ctx.instance.url, user, `job ${i}`));
    const before = ctx.fake.generations().length;
    await ctx.instance.stop('crash');
    ctx.fake.resume();

    await ctx.startInstance();
    for (const id of ids) {
      await waitFor(async () => (await jobRow(ctx.db, id)).status === 'completed', `job ${id}`, 10_000);
    }
    const served = ctx.fake
      .generations()
      .slice(before)
      .map(
        (r) =>
          (r.body as { messages: { role: string; content: string }[] }).messages.find(
            (m) => m.role === 'user',
          )?.content,
      );
    expect(served).toEqual(['job 1', 'job 2', 'job 3', 'job 4', 'job 5', 'job 6']);
    const rows = await ctx.db.selectFrom('llm_jobs').select(['id', 'response']).execute();
    expect(rows.map((r) => r.response)).toEqual(rows.map(() => 'Hello, world!'));
    expect(await ctx.db.selectFrom('llm_queue').selectAll().execute()).toEqual([]);
  });

  it('fails a job interrupted by a third restart, keeping its partial text', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 40 });
    const jobId = await admit(ctx.instance.url, user, 'fragile');
    let instance = ctx.instance;
    for (let crash = 1; crash <= 3; crash += 1) {
      await waitFor(async () => {
        const row = await jobRow(ctx.db, jobId);
        return (
          row.status === 'processing' &&
          (row.response ?? '').length > 0 &&
          ctx.fake.generations().length >= crash
        );
      }, `running with text before crash ${crash}`);
      await instance.stop('crash');
      instance = await ctx.startInstance();
      if (crash < 3) ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 40 });
    }
    const row = await waitFor(async () => {
      const current = await jobRow(ctx.db, jobId);
      return current.status === 'failed' ? current : undefined;
    }, 'job failed');
    expect(row.error_code).toBe('interrupted');
    expect(row.recovery_count).toBe(2);
    expect(WORDS.join('').startsWith(row.response ?? 'x')).toBe(true);
    expect((row.response ?? '').length).toBeGreaterThan(0);
    const message = await ctx.db
      .selectFrom('chat_messages')
      .select(['content', 'status'])
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(message).toEqual({ content: row.response, status: 'failed' });
  });

  it('a graceful stop puts the running job back at the front with its text; the next instance finishes it', async () => {
    ctx.fake.setDefaultReply({ tokens: WORDS, tokenDelayMs: 40 });
    const jobId = await admit(ctx.instance.url, user, 'graceful');
    const other = await admit(ctx.instance.url, user, 'after');
    await waitFor(
      async () => ((await jobRow(ctx.db, jobId)).response ?? '').includes('two '),
      'partial text',
    );
    await ctx.instance.stop('graceful');
    const stopped = await jobRow(ctx.db, jobId);
    expect(stopped.status).toBe('pending');
    expect(stopped.recovery_count).toBe(0);
    const entry = await ctx.db
      .selectFrom('llm_queue')
      .selectAll()
      .where('job_id', '=', jobId)
      .executeTakeFirstOrThrow();
    expect(entry.resume_first).toBe(true);

    await ctx.startInstance();
    await waitFor(async () => (await jobRow(ctx.db, other)).status === 'completed', 'both done', 10_000);
    expect((await jobRow(ctx.db, jobId)).response).toBe(WORDS.join(''));
    const first = await jobRow(ctx.db, jobId);
    const second = await jobRow(ctx.db, other);
    expect((first.finished_at?.getTime() ?? 0) <= (second.started_at?.getTime() ?? 0)).toBe(true);
  });
});
