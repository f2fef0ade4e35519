/** The model catalog, installed models reconciled with Ollama, pulls, delete, default model. */
import { installedModelsSchema, modelCatalogSchema, modelPullEventSchema } from '@arasul/contracts';
import request from 'supertest';
import { MODEL_CATALOG } from '../src/models/catalog';
import {
  StreamClient,
  type TestContext,
  type TestUser,
  apiKeyIdentity,
  chatStream,
  createTestContext,
  identityHeaders,
  waitFor,
} from './helpers';

describe('models', () => {
  let ctx: TestContext;
  let admin: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    ctx = await createTestContext({ LLM_PULL_STALL_SECONDS: '1' });
    admin = await ctx.user('admin');
    viewer = await ctx.user('viewer');
  });
  afterAll(() => ctx.close());
  afterEach(() => ctx.fake.setPullBehaviour({}));

  it('loads the shipped catalog into llm_model_catalog on start, idempotently', async () => {
    await ctx.instance.services.models.syncCatalog();
    const rows = await ctx.db.selectFrom('llm_model_catalog').selectAll().execute();
    expect(rows).toHaveLength(MODEL_CATALOG.length);
    const res = await request(ctx.instance.url).get('/api/models/catalog').set(viewer.headers);
    expect(res.status).toBe(200);
    expect(modelCatalogSchema.safeParse(res.body).error).toBeUndefined();
    expect(res.body.items).toContainEqual(
      expect.objectContaining({ id: 'qwen3:8b', ramRequiredGb: 8, category: 'medium', jetsonTested: true }),
    );
  });

  it('lists the installed models as Ollama reports them, and follows changes', async () => {
    const first = await request(ctx.instance.url).get('/api/models/installed').set(viewer.headers);
    expect(installedModelsSchema.safeParse(first.body).error).toBeUndefined();
    expect(first.body.backend).toBe('up');
    // No default chosen yet: the configured LLM_DEFAULT_MODEL (qwen3:8b in the test config) is marked.
    expect(
      first.body.items
        .filter((m: { isDefault: boolean }) => m.isDefault)
        .map((m: { name: string }) => m.name),
    ).toEqual(['qwen3:8b']);
    expect(first.body.items.map((m: { name: string }) => m.name).sort()).toEqual([
      'llama3.1:8b',
      'nomic-embed-text:latest',
      'qwen3:8b',
    ]);
    ctx.fake.removeModel('llama3.1:8b');
    const second = await request(ctx.instance.url).get('/api/models/installed').set(viewer.headers);
    expect(second.body.items.map((m: { name: string }) => m.name)).not.toContain('llama3.1:8b');
    ctx.fake.addModel('llama3.1:8b');

    const key = identityHeaders(apiKeyIdentity(viewer.id, ['llm:models']));
    expect((await request(ctx.instance.url).get('/api/models/installed').set(key)).status).toBe(200);
  });

  it('pulls a model with progress, succeeding only once Ollama lists it; a second request joins the same pull', async () => {
    ctx.fake.setPullBehaviour({ steps: 4, stepDelayMs: 40 });
    const pullsBefore = ctx.fake.requests.filter((r) => r.path === '/api/pull').length;
    const a = await StreamClient.open(`${ctx.instance.url}/api/models/pull`, {
      method: 'POST',
      headers: admin.headers,
      body: { name: 'gemma3:12b' },
    });
    const b = await StreamClient.open(`${ctx.instance.url}/api/models/pull`, {
      method: 'POST',
      headers: admin.headers,
      body: { name: 'gemma3:12b' },
    });
    await a.waitForEnd();
    await b.waitForEnd();
    expect(a.types()).toContain('progress');
    for (const event of a.events) expect(modelPullEventSchema.safeParse(event).error).toBeUndefined();
    expect(a.events.at(-1)).toEqual({ type: 'done', model: 'gemma3:12b' });
    expect(b.events.at(-1)).toEqual({ type: 'done', model: 'gemma3:12b' });
    expect(a.events.some((e) => e.type === 'progress' && e.percent === 100)).toBe(true);
    expect(ctx.fake.requests.filter((r) => r.path === '/api/pull').length - pullsBefore).toBe(1);
    const row = await ctx.db
      .selectFrom('llm_installed_models')
      .selectAll()
      .where('id', '=', 'gemma3:12b')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'available', download_progress: 100 });
  });

  it('fails a pull that makes no progress for LLM_PULL_STALL_SECONDS, aborting it', async () => {
    ctx.fake.setPullBehaviour({ steps: 4, stallAfterSteps: 1 });
    const stream = await StreamClient.open(`${ctx.instance.url}/api/models/pull`, {
      method: 'POST',
      headers: admin.headers,
      body: { name: 'qwen3:14b' },
    });
    await stream.waitForEnd(4000);
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'pull_stalled' });
    const upstream = ctx.fake.requests.filter((r) => r.path === '/api/pull').at(-1);
    await waitFor(() => upstream?.abortedAt, 'pull aborted at ollama');
    const row = await ctx.db
      .selectFrom('llm_installed_models')
      .selectAll()
      .where('id', '=', 'qwen3:14b')
      .executeTakeFirst();
    expect(row?.status).toBe('error');
  });

  it('reports a pull error from Ollama', async () => {
    ctx.fake.setPullBehaviour({ error: 'pull model manifest: file does not exist' });
    const stream = await StreamClient.open(`${ctx.instance.url}/api/models/pull`, {
      method: 'POST',
      headers: admin.headers,
      body: { name: 'nosuch:1b' },
    });
    await stream.waitForEnd();
    expect(stream.events.at(-1)).toMatchObject({ type: 'error', code: 'ollama_error' });
  });

  it('sets the default model used by chats without a model, and counts usage', async () => {
    expect(
      (
        await request(ctx.instance.url)
          .post('/api/models/default')
          .set(admin.headers)
          .send({ name: 'llama3.1:8b' })
      ).status,
    ).toBe(200);
    const stream = await chatStream(ctx.instance, admin, { message: 'which model?' });
    await stream.waitForEnd();
    expect(stream.events.find((e) => e.type === 'started')?.model).toBe('llama3.1:8b');
    const row = await ctx.db
      .selectFrom('llm_installed_models')
      .selectAll()
      .where('id', '=', 'llama3.1:8b')
      .executeTakeFirstOrThrow();
    expect(row.is_default).toBe(true);
    expect(row.usage_count).toBe(1);
    expect(row.last_used_at).not.toBeNull();
    const unknown = await request(ctx.instance.url)
      .post('/api/models/default')
      .set(admin.headers)
      .send({ name: 'nope:1b' });
    expect(unknown.status).toBe(404);
    expect(
      (
        await ctx.db.selectFrom('llm_installed_models').select('id').where('is_default', '=', true).execute()
      ).map((r) => r.id),
    ).toEqual(['llama3.1:8b']);
  });

  it('deletes a model from Ollama; only administrators change models', async () => {
    // Admitted once (the admission then remembers it as installed), so the delete must make it forget.
    const used = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(admin.headers)
      .send({ message: 'hi', model: 'gemma3:12b', stream: false });
    expect(used.status).toBe(202);
    await waitFor(async () => {
      const job = await ctx.db
        .selectFrom('llm_jobs')
        .select('status')
        .where('id', '=', String(used.body.jobId))
        .executeTakeFirstOrThrow();
      return job.status === 'completed' || undefined;
    }, 'the gemma job to finish');
    expect(
      (await request(ctx.instance.url).delete('/api/models/gemma3:12b').set(viewer.headers)).status,
    ).toBe(403);
    expect(
      (await request(ctx.instance.url).post('/api/models/pull').set(viewer.headers).send({ name: 'x:1b' }))
        .status,
    ).toBe(403);
    expect((await request(ctx.instance.url).delete('/api/models/gemma3:12b').set(admin.headers)).status).toBe(
      204,
    );
    expect(ctx.fake.installedModels()).not.toContain('gemma3:12b');
    expect(
      await ctx.db.selectFrom('llm_installed_models').selectAll().where('id', '=', 'gemma3:12b').execute(),
    ).toEqual([]);
    expect((await request(ctx.instance.url).delete('/api/models/gemma3:12b').set(admin.headers)).status).toBe(
      404,
    );
    const after = await request(ctx.instance.url)
      .post('/api/llm/chat')
      .set(admin.headers)
      .send({ message: 'hi', model: 'gemma3:12b', stream: false });
    expect(after.status).toBe(404);
    expect(after.body.error.code).toBe('model_not_installed');
  });
});
