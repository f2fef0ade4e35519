/**
 * Telegram notifier: how fast does an event become a message, and does a burst arrive whole?
 *
 * Runs the built notifier (services/telegram-notifier/dist, see telegram-notifier.child.cjs) as a real
 * process on its own database clone, Redis prefix and AMQP namespace, against the wire-level fake Bot API
 * (enforcing Telegram's limits with 429s), with the bot configured and two chats linked (owner + group).
 *   1. latency: BENCH_LATENCY_N events, one every 1.2 s (outside any grouping window): publish → message
 *      accepted by the fake, p50/p95/max;
 *   2. burst: BENCH_BURST events published as fast as the bus takes them (four kinds: service restarts,
 *      workflow errors, failed documents, locked accounts), the notifier SIGTERMed and restarted after
 *      half of them; then waits until the outbox is empty and counts: outbox rows per state, messages the
 *      fake accepted, duplicates, limit violations, 429s;
 *   3. idle RSS after BENCH_IDLE_S seconds of quiet.
 *
 *   pnpm exec tsc -b services/telegram-notifier
 *   pnpm --filter @arasul/telegram-notifier exec tsx --tsconfig ../../tsconfig.test.json ../../bench/telegram-notifier.bench.ts
 *
 * Knobs (env): BENCH_LATENCY_N (30), BENCH_BURST (1000), BENCH_IDLE_S (20), BENCH_GROUP_WINDOW_S (30).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { AmqpClient, Topology, createLogger } from '@arasul/service-kit';
import {
  FakeTelegramBotApi,
  TEST_RABBITMQ_URL,
  TEST_REDIS_URL,
  cleanupRedisPrefix,
  createAmqpNamespace,
  createTestDatabase,
  createTestRedisPrefix,
  deleteAmqpNamespace,
  prepareTemplates,
  urlFor,
} from '@arasul/testkit';
import { serviceNodeFlags } from './node-flags';
import { SecretBox } from '../services/telegram-notifier/src/shared/secret-box';

const ROOT = join(__dirname, '..');
const NODE_FLAGS = serviceNodeFlags('telegram-notifier');
const LATENCY_N = Number(process.env.BENCH_LATENCY_N ?? 30);
const BURST = Number(process.env.BENCH_BURST ?? 1000);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 20);
const GROUP_WINDOW_S = Number(process.env.BENCH_GROUP_WINDOW_S ?? 30);
const KEY = randomBytes(32).toString('hex');
const OWNER = 4242;
const GROUP = -100_4242;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

async function main(): Promise<void> {
  await prepareTemplates();
  const database = await createTestDatabase();
  const db = database.db;
  const redisPrefix = createTestRedisPrefix();
  const namespace = createAmqpNamespace();
  const fake = await FakeTelegramBotApi.start({ enforceLimits: true });
  const bot = fake.addBot('arasul_bench_bot');
  fake.addChat({ id: OWNER, type: 'private' });
  fake.addChat({ id: GROUP, type: 'supergroup', title: 'Office' });

  const sealed = new SecretBox(KEY).seal(bot.token, 'telegram_config.bot_token');
  await db
    .insertInto('telegram_config')
    .values({
      id: 1,
      bot_token_encrypted: sealed.ciphertext,
      bot_token_iv: sealed.iv,
      bot_token_tag: sealed.tag,
      bot_username: bot.username,
      enabled: true,
    })
    .execute();
  await db
    .insertInto('telegram_chats')
    .values([
      { chat_id: String(OWNER), chat_type: 'private', title: 'Owner' },
      { chat_id: String(GROUP), chat_type: 'supergroup', title: 'Office' },
    ])
    .execute();
  await db
    .insertInto('notification_settings')
    .values({
      user_id: null,
      channel: 'telegram',
      min_severity: 'warning',
      grouping_window_seconds: 0,
      cooldown_seconds: 0,
    })
    .execute();

  const logger = createLogger({ service: 'bench', level: 'error', format: 'json' });
  const bus = new AmqpClient({
    url: TEST_RABBITMQ_URL,
    service: 'bench',
    logger,
    topology: new Topology({ namespace }),
  }).start();
  await bus.waitUntilConnected(10_000);
  const dbUrl = new URL(urlFor(database.name));
  const port = 18_600 + Math.floor(Math.random() * 300);

  let child: ChildProcess | null = null;
  const start = async (): Promise<ChildProcess> => {
    // With the manifest's nodeFlags (as the supervisor starts it), or BENCH_NODE_FLAGS.
    const proc = spawn(process.execPath, [...NODE_FLAGS, join(ROOT, 'bench/telegram-notifier.child.cjs')], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        LOG_LEVEL: 'error',
        TELEGRAM_NOTIFIER_PORT: String(port),
        POSTGRES_HOST: dbUrl.hostname,
        POSTGRES_PORT: dbUrl.port || '5432',
        POSTGRES_USER: decodeURIComponent(dbUrl.username) || 'postgres',
        POSTGRES_DB: database.name,
        REDIS_URL: TEST_REDIS_URL,
        REDIS_KEY_PREFIX: redisPrefix,
        RABBITMQ_URL: TEST_RABBITMQ_URL,
        INTERNAL_SECRET: randomBytes(32).toString('hex'),
        TELEGRAM_ENCRYPTION_KEY: KEY,
        TELEGRAM_API_ROOT: fake.url,
        BENCH_AMQP_NAMESPACE: namespace,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`notifier exited with ${String(proc.exitCode)}`);
      const res = await fetch(`http://127.0.0.1:${String(port)}/health/ready`).catch(() => undefined);
      if (res?.ok) break;
      if (Date.now() > deadline) throw new Error('notifier did not become ready');
      await sleep(200);
    }
    return proc;
  };
  const stop = async (proc: ChildProcess): Promise<void> => {
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGTERM');
    await exited;
  };

  try {
    child = await start();
    await sleep(1000); // consumer bound

    // 1. latency
    const latencies: number[] = [];
    for (let i = 0; i < LATENCY_N; i += 1) {
      const subject = `lat-${String(i)}`;
      const t0 = Date.now();
      await bus.publish('selfhealing.escalated', {
        target: subject,
        reason: 'bench',
        severity: 'critical',
        attempts: 1,
      });
      for (;;) {
        const got = fake.sent.find(
          (m) => m.chatId === OWNER && m.text.includes(`${subject} needs attention`),
        );
        if (got) {
          latencies.push(got.at - t0);
          break;
        }
        if (Date.now() - t0 > 30_000) throw new Error(`latency event ${subject} never arrived`);
        await sleep(5);
      }
      await sleep(1200);
    }
    latencies.sort((a, b) => a - b);

    // 2. burst with a restart in the middle
    await db
      .updateTable('notification_settings')
      .set({ grouping_window_seconds: GROUP_WINDOW_S, cooldown_seconds: 900 })
      .where('user_id', 'is', null)
      .execute();
    const sentBefore = fake.sent.length;
    const requestsBefore = fake.requests.length;
    const burstStart = Date.now();
    for (let i = 0; i < BURST; i += 1) {
      const kind = i % 4;
      if (kind === 0) {
        await bus.publish('service.status.changed', {
          service: `svc-${String(Math.floor(i / 4) % 40)}`,
          status: 'restarting',
          previousStatus: 'running',
          health: 'unhealthy',
        });
      } else if (kind === 1) {
        await bus.publish('workflow.activity', {
          workflowName: `flow-${String(i)}`,
          status: 'error',
          error: 'boom',
        });
      } else if (kind === 2) {
        await bus.publish('document.status.changed', {
          documentId: globalThis.crypto.randomUUID(),
          originalName: `doc-${String(i)}.pdf`,
          status: 'failed',
          previousStatus: 'indexing',
          error: 'unreadable',
        });
      } else {
        await bus.publish('auth.account.locked', {
          userId: 1 + (Math.floor(i / 4) % 10),
          username: `user${String(Math.floor(i / 4) % 10)}`,
          lockedUntil: new Date(Date.now() + 900_000).toISOString(),
          failedAttempts: 5,
        });
      }
      if (i === Math.floor(BURST / 2)) {
        await stop(child);
        child = await start();
      }
    }
    const published = Date.now() - burstStart;
    const deadline = Date.now() + 5 * 60_000;
    let states: Record<string, number> = {};
    for (;;) {
      const rows = await db
        .selectFrom('notification_events')
        .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
        .where('created_at', '>=', new Date(burstStart - 1000))
        .groupBy('status')
        .execute();
      states = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
      const total = Object.values(states).reduce((a, b) => a + b, 0);
      if ((states.pending ?? 0) === 0 && total > 0 && Date.now() - burstStart > GROUP_WINDOW_S * 1000) break;
      if (Date.now() > deadline) throw new Error(`burst did not drain: ${JSON.stringify(states)}`);
      await sleep(500);
    }
    const drained = Date.now() - burstStart;
    const { rows: dup } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM (
        SELECT envelope_id, destination FROM notification_events WHERE envelope_id IS NOT NULL
        GROUP BY 1, 2 HAVING count(*) > 1) d`.execute(db);
    const { rows: consumedRows } = await sql<{ n: string }>`
      SELECT count(*) AS n FROM amqp_processed_messages WHERE consumer = 'telegram-notifier.events'`.execute(
      db,
    );
    const consumed = { n: consumedRows[0]?.n ?? '0' };
    const burstMessages = fake.sent.slice(sentBefore);
    const texts = burstMessages.map((m) => `${String(m.chatId)}|${m.text}`);
    const tooMany = fake.requests.slice(requestsBefore).filter((r) => r.status === 429).length;

    // 3. idle RSS
    await sleep(IDLE_S * 1000);
    const status = readFileSync(`/proc/${String(child.pid)}/status`, 'utf8');
    const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);

    const report = {
      latencyMs: {
        n: latencies.length,
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        max: latencies.at(-1),
      },
      burst: {
        events: BURST,
        publishedInMs: published,
        drainedInMs: drained,
        eventsConsumed: Number(consumed.n) - LATENCY_N,
        outboxRows: states,
        duplicateOutboxRows: Number(dup[0]?.n ?? 0),
        messagesAccepted: burstMessages.length,
        duplicateMessages: texts.length - new Set(texts).size,
        limitViolations: fake.limitViolations().length,
        answered429: tooMany,
      },
      idleRssMb: Math.round(rssKb / 102.4) / 10,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  } finally {
    if (child?.exitCode === null) await stop(child);
    await bus.close();
    await deleteAmqpNamespace(TEST_RABBITMQ_URL, namespace);
    await cleanupRedisPrefix(redisPrefix);
    await fake.stop();
    await database.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
