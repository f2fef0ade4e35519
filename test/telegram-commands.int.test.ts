/**
 * The bot's commands against the services they ask, all real and on one database, bus and Redis:
 * metrics-collector (/metrics, /ack), the self-healing agent on a real supervisor (/services, /restart),
 * llm-queue on the fake Ollama (/ask, /docs streamed by message edits). Telegram is the fake Bot API through
 * real telegraf. document-indexer's search is played by a small server answering one fixed hit (as in
 * llm-queue's own RAG tests); the real search meets llm-queue in the gateway e2e.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SearchHit } from '@arasul/contracts';
import { type Database, createDb, createPool } from '@arasul/db';
import { HealthRegistry, type RunningServer, duplicateForSubscribe, listen } from '@arasul/service-kit';
import {
  type FakeOllama,
  type ServiceTestInfra,
  createServiceTestInfra,
  startFakeOllama,
} from '@arasul/testkit';
import type { Kysely } from 'kysely';
import {
  createApp as createLlmApp,
  createServices as createLlmServices,
} from '../services/llm-queue/src/app';
import { parseLlmQueueConfig } from '../services/llm-queue/src/config';
import { createApp as createMetricsApp } from '../services/metrics-collector/src/app';
import { type Collector, createCollector } from '../services/metrics-collector/src/collector';
import { parseMetricsConfig } from '../services/metrics-collector/src/config';
import { ScriptedSampler, sampleOf } from '../services/metrics-collector/test/helpers';
import { type Harness, startHarness, testPort } from '../services/self-healing-agent/test/helpers';
import {
  INTERNAL_SECRET,
  type NotifierTest,
  asCaller,
  createNotifierTest,
  linkOwnerChat,
  waitFor,
} from '../services/telegram-notifier/test/helpers';

const OWNER = 626262;
const STRANGER = 737373;
const EDIT_INTERVAL_MS = 250;
const DOC = '4b7f6c1e-9a8d-4f1e-8c2b-0d1e2f3a4b5c';
const ANSWER = Array.from({ length: 24 }, (_, i) => `Wort${String(i)} `);

function searchHit(): SearchHit {
  return {
    chunkId: `${DOC}:1`,
    documentId: DOC,
    documentName: 'Mietvertrag.pdf',
    spaceId: '5c8a7d2f-0b9e-4a2f-9d3c-1e2f3a4b5c6d',
    mimeType: 'application/pdf',
    pageStart: 2,
    pageEnd: 2,
    headingPath: [],
    text: 'Die Kaution beträgt drei Monatsmieten.',
    excerpt: 'Die <mark>Kaution</mark> beträgt drei Monatsmieten.',
    parentText: null,
    score: 0.82,
    retrievers: ['dense', 'keyword'],
  };
}

describe('telegram bot commands against the real services', () => {
  let infra: ServiceTestInfra;
  let ctx: NotifierTest;
  let healing: Harness;
  let collector: Collector;
  let subscriber: ReturnType<typeof duplicateForSubscribe>;
  let ollama: FakeOllama;
  let llmDb: Kysely<Database>;
  let llmStop: () => Promise<void>;
  const servers: RunningServer[] = [];
  let searchUp = true;
  const search = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(searchUp ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          searchUp
            ? { mode: 'hybrid', hits: [searchHit()], marginal: false, answerWithoutSources: false, tookMs: 3 }
            : { error: { code: 'down', message: 'down' } },
        ),
      );
    });
  });

  const send = (text: string, chatId = OWNER) =>
    ctx.fake.userSends(ctx.bot.token, { id: chatId, type: 'private', firstName: 'Owner' }, text);
  const nextReply = async (
    after: number,
    what: string,
    match: (text: string) => boolean,
    timeoutMs = 15_000,
  ) => {
    try {
      return await waitFor(
        what,
        () =>
          ctx.fake
            .sentTo(OWNER)
            .slice(after)
            .find((m) => match(m.edits.at(-1) ?? m.text)),
        timeoutMs,
      );
    } catch (error) {
      const seen = ctx.fake
        .sentTo(OWNER)
        .slice(after)
        .map((m) => m.edits.at(-1) ?? m.text);
      throw new Error(`${(error as Error).message}; the bot wrote: ${JSON.stringify(seen)}`);
    }
  };

  beforeAll(async () => {
    infra = await createServiceTestInfra('telegram-notifier', ['none.#']);

    // metrics-collector on the shared database, with a scripted sampler.
    const metricsConfig = parseMetricsConfig({
      NODE_ENV: 'test',
      INTERNAL_SECRET,
      REDIS_KEY_PREFIX: infra.redisPrefix,
      METRICS_INTERVAL_MS: '1000',
    });
    const sampler = new ScriptedSampler();
    sampler.push(sampleOf({ cpu: 42.5, temperature: 91 }));
    subscriber = duplicateForSubscribe(infra.redis);
    collector = createCollector({
      config: metricsConfig,
      logger: infra.logger,
      health: new HealthRegistry('metrics-collector'),
      db: infra.database.db,
      redis: infra.redis,
      subscriber,
      bus: infra.bus,
      sampler,
    });
    await collector.start();
    const metricsServer = await listen(
      createMetricsApp({
        config: metricsConfig,
        logger: infra.logger,
        health: new HealthRegistry('metrics-collector'),
        db: infra.database.db,
        redis: infra.redis,
        hub: collector.hub,
        retention: collector.retention,
        thresholdListener: collector.evaluator,
      }),
      0,
    );
    servers.push(metricsServer);

    // The self-healing agent on a real supervisor with one small service.
    healing = await startHarness([{ name: 'office-app', port: testPort(7) }], {}, infra);
    const healingServer = await listen(healing.app, 0);
    servers.push(healingServer);

    // llm-queue on the fake Ollama; its document search is the stub above.
    await new Promise<void>((resolve) => search.listen(0, '127.0.0.1', resolve));
    ollama = await startFakeOllama({
      models: ['qwen3:8b'],
      defaultReply: { tokens: ANSWER, tokenDelayMs: 60 },
    });
    const llmConfig = parseLlmQueueConfig({
      NODE_ENV: 'test',
      INTERNAL_SECRET,
      OLLAMA_URL: ollama.url,
      REDIS_KEY_PREFIX: infra.redisPrefix,
      LLM_DEFAULT_MODEL: 'qwen3:8b',
      LLM_TICK_MS: '50',
      LLM_BACKEND_PROBE_MS: '50',
      LLM_FLUSH_INTERVAL_MS: '50',
      DOCUMENT_INDEXER_URL: `http://127.0.0.1:${String((search.address() as AddressInfo).port)}`,
    });
    const pool = createPool({
      connectionString: infra.database.url,
      max: 5,
      application_name: 'llm-queue-test',
    });
    llmDb = createDb(pool);
    const admissions = createPool({
      connectionString: infra.database.url,
      max: 3,
      application_name: 'llm-queue-test-admissions',
      pipeline: true,
    });
    const llmDeps = {
      config: llmConfig,
      logger: infra.logger,
      health: new HealthRegistry('llm-queue'),
      db: llmDb,
      pool,
      admissions,
      redis: infra.redis,
      bus: infra.bus,
    };
    const llm = createLlmServices(llmDeps);
    await llm.models.syncCatalog();
    const llmServer = await listen(createLlmApp(llmDeps, llm), 0);
    await llm.scheduler.start();
    llmStop = async () => {
      llmServer.server.closeAllConnections();
      await llmServer.close(0);
      await llm.scheduler.stop('graceful');
      await llm.pulls.stopAll();
      llm.ollama.close();
      await admissions.end();
      await llmDb.destroy();
    };

    ctx = await createNotifierTest(
      {
        METRICS_URL: `http://127.0.0.1:${String(metricsServer.port)}`,
        SELF_HEALING_URL: `http://127.0.0.1:${String(healingServer.port)}`,
        LLM_QUEUE_URL: `http://127.0.0.1:${String(llmServer.port)}`,
        NOTIFIER_STREAM_EDIT_INTERVAL_MS: String(EDIT_INTERVAL_MS),
      },
      infra,
    );
    await linkOwnerChat(ctx, OWNER);
  }, 60_000);

  afterAll(async () => {
    await ctx.close();
    await llmStop();
    await ollama.close();
    for (const s of servers) await s.close(0);
    await healing.close();
    await collector.stop();
    subscriber.disconnect();
    await new Promise<void>((resolve) => search.close(() => resolve()));
    await infra.close();
  });

  it('/metrics answers with the collector snapshot', async () => {
    await waitFor('a first sample', async () =>
      (await fetch(`${ctx.config.METRICS_URL}/api/metrics/live`, { headers: asCaller(ctx.admin) })).ok
        ? true
        : undefined,
    );
    const before = ctx.fake.sentTo(OWNER).length;
    send('/metrics');
    const reply = await nextReply(before, 'the /metrics reply', (t) => t.startsWith('📊'));
    expect(reply.text).toContain('CPU 42.5 %');
    expect(reply.text).toContain('Temperature 91.0 °C');
  });

  it('/ack acknowledges an alert in metrics-collector as the admin who linked the chat; an unknown id is named', async () => {
    // The scripted 91 °C sample opened a temperature alert (default threshold 85 °C).
    const alert = await waitFor('the temperature alert', () =>
      infra.database.db
        .selectFrom('alert_history')
        .select(['id'])
        .where('metric_type', '=', 'temperature')
        .executeTakeFirst(),
    );
    let before = ctx.fake.sentTo(OWNER).length;
    send(`/ack ${String(alert.id)}`);
    const reply = await nextReply(before, 'the /ack reply', (t) => t.includes('acknowledged'));
    expect(reply.text).toContain(`Alert ${String(alert.id)} (TEMPERATURE`);
    const row = await infra.database.db
      .selectFrom('alert_history')
      .select(['acknowledged_by'])
      .where('id', '=', alert.id)
      .executeTakeFirstOrThrow();
    expect(row.acknowledged_by).toBe(ctx.admin.userId);

    before = ctx.fake.sentTo(OWNER).length;
    send('/ack 999999');
    await nextReply(before, 'the unknown-alert reply', (t) => t === 'There is no alert 999999.');
  });

  it('/services lists what the self-healing agent watches', async () => {
    await waitFor('office-app running', () => healing.supervisor.status().allReady || undefined);
    const before = ctx.fake.sentTo(OWNER).length;
    send('/services');
    const reply = await nextReply(before, 'the /services reply', (t) => t.includes('office-app'));
    expect(reply.text).toMatch(/office-app: running/);
  });

  it('/restart asks first, restarts through the agent after the button, answers the press and audits it', async () => {
    const pidBefore = healing.pidOf('office-app');
    let before = ctx.fake.sentTo(OWNER).length;
    send('/restart office-app');
    const question = await nextReply(before, 'the confirmation', (t) => t === 'Restart office-app?');
    const buttons = (question.replyMarkup as { inline_keyboard: { text: string; callback_data: string }[][] })
      .inline_keyboard[0];
    const confirm = buttons?.find((b) => b.callback_data.startsWith('restart:'));
    if (!confirm) throw new Error('no restart button under the confirmation');
    // Nothing happens before the press.
    expect(healing.pidOf('office-app')).toBe(pidBefore);

    ctx.fake.pressButton(ctx.bot.token, question, confirm.callback_data);
    await nextReply(before, 'the restart result', (t) => t.startsWith('✅ office-app restarted'));
    expect(healing.pidOf('office-app')).not.toBe(pidBefore);
    const answered = ctx.fake.requests.filter((r) => r.method === 'answerCallbackQuery');
    expect(answered.at(-1)?.body).toMatchObject({ text: 'Restarting office-app…' });
    const audit = await infra.database.db
      .selectFrom('audit_logs')
      .select(['user_id', 'resource_id', 'details'])
      .where('action', '=', 'telegram.service.restart')
      .execute();
    expect(audit).toEqual([
      expect.objectContaining({
        user_id: ctx.admin.userId,
        resource_id: 'office-app',
        details: expect.objectContaining({ status: 'success', chatId: String(OWNER) }) as unknown,
      }),
    ]);

    // The same button again: the confirmation is used up.
    ctx.fake.pressButton(ctx.bot.token, question, confirm.callback_data);
    await waitFor('the expired answer', () =>
      ctx.fake.requests.find(
        (r) => r.method === 'answerCallbackQuery' && r.body.text === 'This confirmation has expired.',
      ),
    );

    // A chat linked by an operator may not restart.
    const operator = await infra.database.db
      .insertInto('admin_users')
      .values({ username: 'office-operator', password_hash: 'x', role: 'operator' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await infra.database.db
      .updateTable('telegram_chats')
      .set({ user_id: operator.id })
      .where('chat_id', '=', String(OWNER))
      .execute();
    before = ctx.fake.sentTo(OWNER).length;
    send('/restart office-app');
    await nextReply(before, 'the refusal', (t) =>
      t.startsWith('Sorry, only a chat linked by an administrator'),
    );
    await infra.database.db
      .updateTable('telegram_chats')
      .set({ user_id: ctx.admin.userId })
      .where('chat_id', '=', String(OWNER))
      .execute();
  });

  it('/ask streams the answer into one message by throttled edits, as a batch job', async () => {
    const before = ctx.fake.sentTo(OWNER).length;
    send('/ask Wie warm ist es?');
    const full = ANSWER.join('').trim();
    const message = await nextReply(before, 'the streamed answer', (t) => t === full, 30_000);
    expect(message.text).toBe('⏳ …');
    // Several edits while tokens arrived (24 tokens over ≈ 1.4 s), none closer than the interval allows.
    expect(message.edits.length).toBeGreaterThanOrEqual(3);
    const editTimes = ctx.fake.requests
      .filter(
        (r) => r.method === 'editMessageText' && r.body.message_id === message.messageId && r.status === 200,
      )
      .map((r) => r.at);
    for (let i = 2; i < editTimes.length; i += 1) {
      // The last edit (the whole text) may follow its predecessor at once; the streamed ones may not.
      if (i < editTimes.length - 1)
        expect(editTimes[i]! - editTimes[i - 1]!).toBeGreaterThanOrEqual(EDIT_INTERVAL_MS - 20);
    }
    const job = await llmDb
      .selectFrom('llm_jobs')
      .select(['request'])
      .orderBy('created_at', 'desc')
      .executeTakeFirstOrThrow();
    expect(job.request).toMatchObject({ priority: 'batch' });
  });

  it('/docs answers from the documents with the cited source, and says so when the search is not there', async () => {
    let before = ctx.fake.sentTo(OWNER).length;
    send('/docs Wie hoch ist die Kaution?');
    const cited = await nextReply(before, 'the cited answer', (t) => t.includes('Sources:'), 30_000);
    expect(cited.text).toBe('🔎 …');
    expect(cited.edits.at(-1)).toContain('[1] Mietvertrag.pdf p. 2');

    searchUp = false;
    before = ctx.fake.sentTo(OWNER).length;
    send('/docs Wie hoch ist die Kaution?');
    await nextReply(before, 'the not-available answer', (t) =>
      t.startsWith('Answers from the documents are not available'),
    );
    searchUp = true;
  }, 60_000);

  it('refuses every command from a chat that is not linked, politely', async () => {
    for (const command of ['/metrics', '/restart office-app', '/ask hallo', '/docs hallo', '/ack 1']) {
      send(command, STRANGER);
    }
    await waitFor('five refusals', () =>
      ctx.fake.sentTo(STRANGER).filter((m) => m.text.startsWith('Sorry, this chat is not linked')).length ===
      5
        ? true
        : undefined,
    );
    expect(ctx.fake.sentTo(STRANGER)).toHaveLength(5);
  });
});
