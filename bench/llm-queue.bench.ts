/**
 * What does the LLM queue cost, and does it keep its promises under load? Against the wire-level fake Ollama
 * (packages/testkit), a real PostgreSQL/Redis/RabbitMQ and the real service (app + scheduler, in process,
 * listening on loopback):
 *
 *   1. admission: POST /api/llm/chat {stream:false} → 202 (job persisted, position answered), 300 requests
 *   2. time to first token: the fake called directly vs. through the queue (warm model), 50 each
 *   3. GET /api/llm/queue with 1,000 queued jobs, 50 requests
 *   4. DELETE of a running job → the fake sees the upstream request aborted, 20 jobs
 *   5. restart with 100 pending jobs (a crash mid-stream): lost and duplicated jobs
 *   6. one job streamed to 100 listeners: every listener's text equals the answer
 *
 *   pnpm --filter @arasul/llm-queue exec tsx --tsconfig ../../tsconfig.test.json ../../bench/llm-queue.bench.ts
 *
 * `BENCH_PHASES=1,2` runs only those phases. Needs PostgreSQL, Redis and RabbitMQ running (as for the tests). Each phase uses a scratch database that
 * is dropped at the end; every wait is bounded.
 */
import http from 'node:http';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { prepareTemplates } from '@arasul/testkit';
import {
  StreamClient,
  type TestContext,
  type TestUser,
  createTestContext,
  waitFor,
} from '../services/llm-queue/test/helpers';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

function post(
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const payload = JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      })
      .on('error', reject);
  });
}

function del(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'DELETE', headers });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Milliseconds from sending a streaming request until the first line matching `isToken` arrives. */
function firstTokenMs(
  url: string,
  headers: Record<string, string>,
  body: unknown,
  isToken: (line: string) => boolean,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const payload = JSON.stringify(body);
    const req = http.request(url, {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(payload),
      },
    });
    let done = false;
    req.on('response', (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        if (!done && lines.some(isToken)) {
          done = true;
          resolve(performance.now() - started);
        }
      });
      res.on('end', () => (done ? undefined : reject(new Error('stream ended without a token'))));
    });
    req.on('error', (error) => (done ? undefined : reject(error)));
    req.end(payload);
  });
}

async function jobStatus(ctx: TestContext, id: string): Promise<string> {
  const row = await ctx.db
    .selectFrom('llm_jobs')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.status;
}

async function admit(
  ctx: TestContext,
  user: TestUser,
  message: string,
  url = ctx.instance.url,
): Promise<string> {
  const res = await post(`${url}/api/llm/chat`, user.headers, { message, stream: false });
  if (res.status !== 202) throw new Error(`admission failed: ${res.status} ${res.body}`);
  return (JSON.parse(res.body) as { jobId: string }).jobId;
}

async function withContext<T>(
  overrides: Record<string, string>,
  fn: (ctx: TestContext, user: TestUser) => Promise<T>,
): Promise<T> {
  // One benchmark user fills the queue on purpose: the per-user/per-key caps would refuse it.
  const ctx = await createTestContext({
    LOG_LEVEL: 'error',
    LLM_MAX_QUEUED_PER_USER: '100000',
    LLM_MAX_STREAMS_PER_USER: '100000',
    ...overrides,
  });
  try {
    const user = await ctx.user('operator');
    return await fn(ctx, user);
  } finally {
    ctx.fake.resume();
    await ctx.close();
  }
}

async function admission(): Promise<void> {
  await withContext({ LLM_MAX_QUEUE: '2000' }, async (ctx, user) => {
    for (let i = 0; i < 20; i += 1) await admit(ctx, user, `warm ${i}`);
    await sleep(500);
    ctx.fake.pause();
    const times: number[] = [];
    for (let i = 0; i < 300; i += 1) {
      const started = performance.now();
      await admit(ctx, user, `admission ${i}`);
      times.push(performance.now() - started);
    }
    console.log(
      `1. admission (request → job persisted, position answered), 300 requests, queue growing 0→300: ` +
        `p50 ${fmt(percentile(times, 50))}, p95 ${fmt(percentile(times, 95))}, max ${fmt(Math.max(...times))}`,
    );
  });
}

/**
 * Two instances side by side, alternating request by request: the default (a watched admission on an idle
 * queue does not wait for its COMMIT's WAL flush) and LLM_ADMISSION_SYNC_COMMIT=true (every admission does),
 * each next to a direct call of its own fake.
 */
async function timeToFirstToken(): Promise<void> {
  await withContext({}, async (ctxA, userA) => {
    await withContext({ LLM_ADMISSION_SYNC_COMMIT: 'true' }, async (ctxB, userB) => {
      const direct: number[] = [];
      const queued: number[] = [];
      const syncDirect: number[] = [];
      const syncQueued: number[] = [];
      const body = { model: 'qwen3:8b', messages: [{ role: 'user', content: 'hi' }], stream: true };
      const measure = async (ctx: TestContext, user: TestUser): Promise<[number, number]> => {
        const d = await firstTokenMs(`${ctx.fake.url}/api/chat`, {}, body, (l) =>
          l.includes('"content":"Hello"'),
        );
        const q = await firstTokenMs(
          `${ctx.instance.url}/api/llm/chat`,
          user.headers,
          { message: 'hi' },
          (l) => l.includes('"type":"token"'),
        );
        await waitFor(
          () => ctx.instance.services.scheduler.runningJobs().length === 0 || undefined,
          'idle',
          5000,
        );
        return [d, q];
      };
      for (let i = 0; i < 60; i += 1) {
        // Alternate, so drift (GC, JIT, other load) hits every side alike; the first 10 of each warm up.
        const [d, q] = await measure(ctxA, userA);
        const [sd, sq] = await measure(ctxB, userB);
        if (i >= 10) {
          direct.push(d);
          queued.push(q);
          syncDirect.push(sd);
          syncQueued.push(sq);
        }
      }
      const added = percentile(queued, 50) - percentile(direct, 50);
      const syncAdded = percentile(syncQueued, 50) - percentile(syncDirect, 50);
      console.log(
        `2. time to first token (warm model, 50 each): direct p50 ${fmt(percentile(direct, 50))}, ` +
          `through the queue p50 ${fmt(percentile(queued, 50))} → added by the queue ${fmt(added)} (median)\n` +
          `   same run, alternated, LLM_ADMISSION_SYNC_COMMIT=true: direct p50 ${fmt(percentile(syncDirect, 50))}, ` +
          `through the queue p50 ${fmt(percentile(syncQueued, 50))} → added ${fmt(syncAdded)}`,
      );
    });
  });
}

async function queueView(): Promise<void> {
  await withContext({ LLM_MAX_QUEUE: '2000' }, async (ctx, user) => {
    ctx.fake.pause();
    const batch = 50;
    for (let i = 0; i < 1000; i += batch) {
      await Promise.all(Array.from({ length: batch }, (_, j) => admit(ctx, user, `queued ${i + j}`)));
    }
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 60; i += 1) {
      const started = performance.now();
      const res = await get(`${ctx.instance.url}/api/llm/queue`, user.headers);
      if (i >= 10) times.push(performance.now() - started);
      count = (JSON.parse(res.body) as { waitingCount: number }).waitingCount;
    }
    console.log(
      `3. GET /api/llm/queue with ${count} queued jobs (+1 running), 50 requests: ` +
        `p50 ${fmt(percentile(times, 50))}, p95 ${fmt(percentile(times, 95))}`,
    );
  });
}

async function cancelRunning(): Promise<void> {
  await withContext({}, async (ctx, user) => {
    ctx.fake.setDefaultReply({ tokens: Array.from({ length: 200 }, (_, i) => `t${i} `), tokenDelayMs: 20 });
    const times: number[] = [];
    for (let i = 0; i < 20; i += 1) {
      const stream = await StreamClient.open(`${ctx.instance.url}/api/llm/chat`, {
        method: 'POST',
        headers: user.headers,
        body: { message: `cancel ${i}` },
      });
      await stream.waitForType('token');
      const jobId = String(stream.events[0]?.jobId);
      const upstream = ctx.fake.generations().at(-1);
      const started = Date.now();
      await del(`${ctx.instance.url}/api/llm/jobs/${jobId}`, user.headers);
      const abortedAt = await waitFor(() => upstream?.abortedAt, 'upstream abort', 2000);
      times.push(abortedAt - started);
      await stream.waitForEnd();
    }
    console.log(
      `4. cancel of a running job → upstream request aborted (20 jobs): ` +
        `p50 ${percentile(times, 50)} ms, max ${Math.max(...times)} ms (ms clock)`,
    );
  });
}

async function restart(): Promise<void> {
  await withContext({ LLM_MAX_QUEUE: '500' }, async (ctx, user) => {
    ctx.fake.setDefaultReply({ tokens: ['a ', 'b ', 'c '], tokenDelayMs: 2 });
    ctx.fake.pause();
    const ids: string[] = [];
    for (let i = 0; i < 101; i += 1) ids.push(await admit(ctx, user, `restart ${i}`));
    await waitFor(
      async () => (await jobStatus(ctx, ids[0] ?? '')) === 'processing' || undefined,
      'first running',
    );
    await ctx.instance.stop('crash');
    ctx.fake.resume();
    const started = performance.now();
    await ctx.startInstance({ LOG_LEVEL: 'error', LLM_MAX_QUEUE: '500', LLM_MAX_QUEUED_PER_USER: '100000' });
    await waitFor(
      async () => {
        const rows = await ctx.db.selectFrom('llm_jobs').select('status').execute();
        return rows.every((r) => r.status === 'completed') || undefined;
      },
      'all completed',
      60_000,
    );
    const elapsed = performance.now() - started;
    const rows = await ctx.db.selectFrom('llm_jobs').select(['id', 'response', 'status']).execute();
    const finishedPerPrompt = new Map<string, number>();
    for (const r of ctx.fake.generations()) {
      if (r.finishedAt === null) continue;
      const messages = (r.body as { messages: { role: string; content: string }[] }).messages;
      const prompt = messages.find((m) => m.role === 'user')?.content ?? '';
      finishedPerPrompt.set(prompt, (finishedPerPrompt.get(prompt) ?? 0) + 1);
    }
    const lost = rows.filter((r) => r.status !== 'completed' || r.response !== 'a b c ').length;
    const duplicated = [...finishedPerPrompt.values()].filter((n) => n > 1).length;
    console.log(
      `5. restart with 100 pending jobs + 1 running (crash, new instance): ${rows.length} jobs, ` +
        `${lost} lost, ${duplicated} duplicated; all done ${(elapsed / 1000).toFixed(1)} s after the restart`,
    );
  });
}

async function listeners(): Promise<void> {
  await withContext({}, async (ctx, user) => {
    const tokens = Array.from({ length: 500 }, (_, i) => `w${i} `);
    ctx.fake.setDefaultReply({ tokens, tokenDelayMs: 2, firstTokenDelayMs: 300 });
    const jobId = await admit(ctx, user, 'fan out');
    const clients = await Promise.all(
      Array.from({ length: 100 }, () =>
        StreamClient.open(`${ctx.instance.url}/api/llm/jobs/${jobId}/stream`, { headers: user.headers }),
      ),
    );
    await Promise.all(clients.map((c) => c.waitForEnd(30_000)));
    const full = tokens.join('');
    const complete = clients.filter((c) => {
      const snapshot = c.events.find((e) => e.type === 'snapshot') as { content?: string } | undefined;
      return (snapshot?.content ?? '') + c.text() === full && c.types().at(-1) === 'done';
    }).length;
    console.log(
      `6. one job (500 tokens) streamed to ${clients.length} listeners: ${complete}/${clients.length} ` +
        `received the whole answer in order, ${clients.length - complete} dropped tokens`,
    );
  });
}

async function main(): Promise<void> {
  console.log(
    `llm-queue benchmark — ${cpus()[0]?.model ?? 'cpu'} × ${cpus().length}, node ${process.version}`,
  );
  await prepareTemplates();
  const phases = [admission, timeToFirstToken, queueView, cancelRunning, restart, listeners];
  // BENCH_PHASES=2,3 runs only those phases (numbered as above).
  const only = (process.env.BENCH_PHASES ?? '').split(',').filter(Boolean).map(Number);
  for (const [i, phase] of phases.entries()) {
    if (only.length === 0 || only.includes(i + 1)) await phase();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
