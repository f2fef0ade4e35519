/**
 * The OpenAI- and Ollama-compatible APIs, exercised with the real `openai` and `ollama` npm clients against a
 * listening instance. The gateway would turn the client's API key into the signed X-Arasul-Identity header;
 * here the clients send that header themselves (`defaultHeaders` / `headers`), exactly what the service sees
 * behind the gateway.
 */
import { Ollama } from 'ollama';
import OpenAI from 'openai';
import request from 'supertest';
import {
  INTERNAL_SECRET,
  type TestContext,
  type TestUser,
  apiKeyIdentity,
  createTestContext,
  identityHeaders,
  jobRow,
  waitFor,
} from './helpers';

describe('compatible APIs', () => {
  let ctx: TestContext;
  let user: TestUser;
  let openai: OpenAI;
  let ollama: Ollama;

  beforeAll(async () => {
    ctx = await createTestContext();
    user = await ctx.user('operator');
    const key = identityHeaders(apiKeyIdentity(user.id, ['llm:chat', 'llm:models']));
    openai = new OpenAI({
      baseURL: `${ctx.instance.url}/v1`,
      apiKey: 'sent-to-the-gateway',
      defaultHeaders: key,
      maxRetries: 0,
    });
    ollama = new Ollama({ host: `${ctx.instance.url}/ollama`, headers: key });
  });
  afterAll(() => ctx.close());
  afterEach(() => ctx.fake.setDefaultReply({}));

  describe('OpenAI', () => {
    it('answers a chat completion with usage, through the queue', async () => {
      const completion = await openai.chat.completions.create({
        model: 'qwen3:8b',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Say hello' },
        ],
        temperature: 0.2,
        max_tokens: 64,
      });
      expect(completion.choices[0]?.message.content).toBe('Hello, world!');
      expect(completion.choices[0]?.finish_reason).toBe('stop');
      expect(completion.usage).toMatchObject({ completion_tokens: 4, total_tokens: expect.any(Number) });
      const upstream = ctx.fake.generations().at(-1)?.body as {
        options: Record<string, unknown>;
        messages: unknown[];
      };
      expect(upstream.options).toEqual({ temperature: 0.2, num_predict: 64 });
      expect(upstream.messages).toHaveLength(2);
      const jobId = completion.id.replace('chatcmpl-', '');
      expect(await jobRow(ctx.db, jobId)).toMatchObject({
        status: 'completed',
        source: 'api',
        bound_to_caller: true,
      });
    });

    it('streams a chat completion, with the usage chunk when asked', async () => {
      const stream = await openai.chat.completions.create({
        model: 'qwen3:8b',
        messages: [{ role: 'user', content: 'stream please' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = '';
      let usage: OpenAI.CompletionUsage | undefined;
      let finish: string | null | undefined;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      expect(text).toBe('Hello, world!');
      expect(finish).toBe('stop');
      expect(usage?.completion_tokens).toBe(4);
    });

    it('lists models and computes embeddings (base64 by default, float when asked)', async () => {
      const models = await openai.models.list();
      expect(models.data.map((m) => m.id).sort()).toEqual([
        'llama3.1:8b',
        'nomic-embed-text:latest',
        'qwen3:8b',
      ]);

      const packed = await openai.embeddings.create({ model: 'nomic-embed-text', input: ['a', 'b'] });
      const plain = await openai.embeddings.create({
        model: 'nomic-embed-text',
        input: 'a',
        encoding_format: 'float',
      });
      expect(packed.data).toHaveLength(2);
      expect(packed.data[0]?.embedding).toHaveLength(8);
      expect(plain.data[0]?.embedding).toHaveLength(8);
      packed.data[0]?.embedding.forEach((v, i) =>
        expect(v).toBeCloseTo(plain.data[0]?.embedding[i] ?? NaN, 5),
      );
    });

    it('reports errors in the OpenAI shape: unknown model, missing scope', async () => {
      await expect(
        openai.chat.completions.create({ model: 'missing:1b', messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({ status: 404, code: 'model_not_installed' });
      const limited = new OpenAI({
        baseURL: `${ctx.instance.url}/v1`,
        apiKey: 'x',
        maxRetries: 0,
        defaultHeaders: identityHeaders(apiKeyIdentity(user.id, ['llm:models'])),
      });
      await expect(
        limited.chat.completions.create({ model: 'qwen3:8b', messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({ status: 403, code: 'insufficient_scope' });
      expect((await limited.models.list()).data.length).toBe(3);
    });
  });

  describe('Ollama', () => {
    it('streams a chat as NDJSON exactly like Ollama', async () => {
      const parts = await ollama.chat({
        model: 'qwen3:8b',
        messages: [{ role: 'user', content: 'hi' }],
        stream: true,
      });
      const chunks = [];
      for await (const part of parts) chunks.push(part);
      expect(chunks.map((c) => c.message.content).join('')).toBe('Hello, world!');
      const last = chunks.at(-1);
      expect(last).toMatchObject({ done: true, done_reason: 'stop', eval_count: 4, model: 'qwen3:8b' });
      expect(typeof last?.total_duration).toBe('number');
      expect(typeof last?.eval_duration).toBe('number');
    });

    it('answers generate (not streamed) and embed, and lists tags', async () => {
      const generated = await ollama.generate({ model: 'qwen3:8b', prompt: 'complete this' });
      expect(generated.response).toBe('Hello, world!');
      expect(generated.done).toBe(true);
      expect(generated.context).toEqual([1, 2, 3]);
      const embedded = await ollama.embed({ model: 'nomic-embed-text', input: ['x', 'y'] });
      expect(embedded.embeddings).toHaveLength(2);
      const tags = await ollama.list();
      expect(tags.models.map((m) => m.name)).toContain('qwen3:8b');
    });

    it('answers 404 with Ollama’s error body for a missing model', async () => {
      await expect(
        ollama.chat({ model: 'ghost:1b', messages: [{ role: 'user', content: 'x' }] }),
      ).rejects.toMatchObject({
        status_code: 404,
        error: expect.stringContaining('ghost:1b'),
      });
    });

    it('bounds the model options like every other facade: out of bounds → 400, unknown options dropped', async () => {
      await expect(
        ollama.generate({ model: 'qwen3:8b', prompt: 'x', options: { num_ctx: 999_999_999 } }),
      ).rejects.toMatchObject({ status_code: 400 });
      await expect(
        ollama.chat({
          model: 'qwen3:8b',
          messages: [{ role: 'user', content: 'x' }],
          options: { temperature: 99 },
        }),
      ).rejects.toMatchObject({ status_code: 400 });
      const before = ctx.fake.generations().length;
      await ollama.generate({
        model: 'qwen3:8b',
        prompt: 'x',
        options: { num_ctx: 4096, num_gpu: 999, mirostat: 2 } as Record<string, number>,
      });
      expect(ctx.fake.generations().length).toBe(before + 1);
      const sent = ctx.fake.generations().at(-1)?.body as { options?: Record<string, unknown> };
      expect(sent.options).toEqual({ num_ctx: 4096 });
    });

    it('stops the generation when the client aborts (Ollama sees the abort), and cancels the job', async () => {
      ctx.fake.setDefaultReply({ tokens: Array.from({ length: 50 }, (_, i) => `t${i} `), tokenDelayMs: 30 });
      const parts = await ollama.chat({
        model: 'qwen3:8b',
        messages: [{ role: 'user', content: 'long' }],
        stream: true,
      });
      let seen = 0;
      await expect(
        (async () => {
          for await (const _part of parts) {
            seen += 1;
            if (seen === 3) parts.abort();
          }
        })(),
      ).rejects.toThrow();
      const upstream = ctx.fake.generations().at(-1);
      await waitFor(() => upstream?.abortedAt, 'upstream aborted', 2000);
      const job = await waitFor(
        () =>
          ctx.db
            .selectFrom('llm_jobs')
            .select(['status'])
            .where('prompt', '=', 'long')
            .executeTakeFirst()
            .then((r) => (r?.status === 'cancelled' ? r : undefined)),
        'job cancelled',
      );
      expect(job.status).toBe('cancelled');
    });
  });

  describe('internal', () => {
    it('completes for another service with the internal secret, tagged with its source', async () => {
      const res = await request(ctx.instance.url)
        .post('/internal/llm/complete')
        .set('Authorization', `Bearer ${INTERNAL_SECRET}`)
        .send({ source: 'telegram', prompt: 'status?', priority: 'batch' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        content: 'Hello, world!',
        model: 'qwen3:8b',
        usage: { completionTokens: 4 },
      });
      expect(await jobRow(ctx.db, res.body.jobId)).toMatchObject({ source: 'telegram', user_id: null });
      await ctx.events.waitFor(
        'llm.job.finished',
        (p) => p.jobId === res.body.jobId && p.source === 'telegram',
      );

      const refused = await request(ctx.instance.url)
        .post('/internal/llm/complete')
        .send({ source: 'rag', prompt: 'x' });
      expect(refused.status).toBe(401);
    });
  });
});
