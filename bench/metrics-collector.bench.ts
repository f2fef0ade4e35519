/**
 * Metrics collector: what the running process costs and how fast its reads are.
 *
 * Starts the built service (services/metrics-collector/dist/main.js) as a real process, each run on its
 * own database cloned from the migrated template, and measures:
 *   1. CPU (utime+stime from /proc/<pid>/stat, in % of one core) and RSS (VmRSS) over a window of
 *      BENCH_WINDOW_S seconds, at 5 s and at 1 s sampling, with one live-stream (SSE) client connected;
 *   2. sample → SSE client latency over the same window: from the sample's timestamp (taken at the start
 *      of its cycle) to the moment the event arrives at the client;
 *   3. `GET /api/metrics/history?range=7d` over 7 days of 1-second samples (604,800 rows per metric,
 *      seeded with generate_series), BENCH_QUERIES requests per metric, plus 30d/1y from rollups;
 *   4. bytes on disk per stored sample (table + primary key, after VACUUM).
 *
 *   pnpm exec tsc -b services/metrics-collector
 *   pnpm --filter @arasul/metrics-collector exec tsx --tsconfig ../../tsconfig.test.json ../../bench/metrics-collector.bench.ts
 *
 * Knobs (env): BENCH_WINDOW_S (300), BENCH_WARMUP_S (20), BENCH_QUERIES (20), BENCH_SKIP_CPU=1,
 * BENCH_SKIP_HISTORY=1, BENCH_NODE_FLAGS (replaces the manifest's nodeFlags), BENCH_COLLECTOR_MAIN (another
 * build's main.js, relative to the checkout). Only loopback traffic; every loop is bounded in time or count.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createDb, createPool, migrateToLatest } from '@arasul/db';
import { signIdentity } from '@arasul/service-kit';
import { ADMIN_URL, urlFor } from '@arasul/testkit';
import { serviceNodeFlags } from './node-flags';

const ROOT = join(__dirname, '..');
const WINDOW_S = Number(process.env.BENCH_WINDOW_S ?? 300);
const WARMUP_S = Number(process.env.BENCH_WARMUP_S ?? 20);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 20);
const INTERNAL_SECRET = randomBytes(32).toString('hex');
const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());
const METRICS = ['cpu', 'ram', 'swap', 'gpu', 'temperature', 'disk'] as const;
const IDENTITY = signIdentity(
  { userId: 1, username: 'bench', role: 'viewer', authType: 'jwt', scopes: [] },
  INTERNAL_SECRET,
  24 * 3600,
);

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}
const ms = (v: number) => `${v.toFixed(1)} ms`;

interface Service {
  child: ChildProcess;
  base: string;
  port: number;
  database: string;
  stop: () => Promise<void>;
}

/** A fresh, migrated database of its own (not a template clone: tests elsewhere may rebuild the template). */
async function createDatabase(label: string): Promise<string> {
  const database = `arasul_bench_metrics_${label}_${randomBytes(3).toString('hex')}`;
  const admin = createPool({ connectionString: ADMIN_URL, max: 1 });
  await admin.query(`CREATE DATABASE ${database}`);
  await admin.end();
  const db = createDb<unknown>(createPool({ connectionString: urlFor(database), max: 1 }));
  await migrateToLatest(db, 'main');
  await db.destroy();
  return database;
}

async function dropDatabase(database: string): Promise<void> {
  const admin = createPool({ connectionString: ADMIN_URL, max: 1 });
  await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  await admin.end();
}

async function startService(database: string, intervalMs: number): Promise<Service> {
  const port = 18_300 + Math.floor(Math.random() * 600);
  const dbUrl = new URL(urlFor(database));
  // The flags the supervisor starts it with (or BENCH_NODE_FLAGS), source maps on, as the supervisor runs it.
  const flags = ['--enable-source-maps', ...serviceNodeFlags('metrics-collector')];
  // BENCH_COLLECTOR_MAIN (relative to the checkout) runs another build, e.g. a previous commit's.
  const main = process.env.BENCH_COLLECTOR_MAIN ?? 'services/metrics-collector/dist/main.js';
  const child = spawn(process.execPath, [...flags, join(ROOT, main)], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      METRICS_PORT: String(port),
      METRICS_INTERVAL_MS: String(intervalMs),
      POSTGRES_HOST: dbUrl.hostname,
      POSTGRES_PORT: dbUrl.port || '5432',
      POSTGRES_USER: decodeURIComponent(dbUrl.username) || 'postgres',
      POSTGRES_DB: database,
      REDIS_KEY_PREFIX: `bench:${database}:`,
      INTERNAL_SECRET,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`metrics collector exited with ${child.exitCode}`);
    const res = await fetch(`${base}/health/ready`).catch(() => undefined);
    if (res?.ok) break;
    if (Date.now() > deadline) throw new Error('metrics collector not ready within 30 s');
    await sleep(200);
  }
  return {
    child,
    base,
    port,
    database,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : child.once('exit', () => resolve()),
      );
    },
  };
}

/** utime+stime (own) and cutime+cstime (waited-for children), in seconds. */
function cpuSeconds(pid: number): { own: number; children: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const at = (field: number) => Number(fields[field - 3]);
  return { own: (at(14) + at(15)) / CLK_TCK, children: (at(16) + at(17)) / CLK_TCK };
}

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) / 1024;
}

/** An SSE client that records, per event, now − the sample's timestamp. */
function sseClient(port: number): { latencies: number[]; close: () => void } {
  const latencies: number[] = [];
  let buffer = '';
  const req = httpRequest(
    { host: '127.0.0.1', port, path: '/api/metrics/stream', headers: { 'X-Arasul-Identity': IDENTITY } },
    (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const arrived = Date.now();
        buffer += chunk;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (data && block.includes('event: sample')) {
            const { timestamp } = JSON.parse(data.slice(6)) as { timestamp: string };
            latencies.push(arrived - Date.parse(timestamp));
          }
          end = buffer.indexOf('\n\n');
        }
      });
      res.on('error', () => undefined);
    },
  );
  req.on('error', () => undefined);
  req.end();
  return { latencies, close: () => req.destroy() };
}

async function measureProcess(intervalMs: number): Promise<void> {
  const database = await createDatabase(`cpu${intervalMs}`);
  const service = await startService(database, intervalMs);
  const pid = service.child.pid!;
  try {
    const client = sseClient(service.port);
    await sleep(WARMUP_S * 1000);
    client.latencies.length = 0; // the first event is the stored snapshot, not a fresh sample
    const before = cpuSeconds(pid);
    const started = performance.now();
    const rss: number[] = [];
    while (performance.now() - started < WINDOW_S * 1000) {
      rss.push(rssMiB(pid));
      await sleep(Math.max(0, Math.min(5000, WINDOW_S * 1000 - (performance.now() - started))));
    }
    const elapsedS = (performance.now() - started) / 1000;
    const after = cpuSeconds(pid);
    rss.push(rssMiB(pid));
    client.close();
    const own = ((after.own - before.own) / elapsedS) * 100;
    const children = ((after.children - before.children) / elapsedS) * 100;
    console.log(
      `sampling every ${intervalMs} ms, ${elapsedS.toFixed(0)} s window (after ${WARMUP_S} s warm-up), one SSE client:`,
    );
    console.log(`  CPU: ${own.toFixed(2)} % of one core (children: ${children.toFixed(2)} %)`);
    console.log(`  RSS: max ${Math.max(...rss).toFixed(1)} MiB, end ${rss[rss.length - 1]?.toFixed(1)} MiB`);
    const l = client.latencies;
    console.log(
      `  sample → SSE client: n=${l.length} p50 ${ms(percentile(l, 50))} p99 ${ms(percentile(l, 99))} max ${ms(Math.max(...l))}`,
    );
  } finally {
    await service.stop();
    await dropDatabase(database);
  }
}

async function seedSevenDays(database: string): Promise<void> {
  const pool = createPool({ connectionString: urlFor(database), max: 6 });
  const series = `generate_series(now() - interval '7 days' + interval '1 second', now(), interval '1 second') AS ts`;
  const wave = `50 + 30 * sin(extract(epoch FROM ts) / 600) + random() * 5`;
  const started = performance.now();
  await Promise.all([
    ...(['cpu', 'ram', 'swap', 'gpu', 'temperature'] as const).map((m) =>
      pool.query(
        `INSERT INTO metrics_${m} ("timestamp", value) SELECT ts, round((${wave})::numeric, 2) FROM ${series}`,
      ),
    ),
    pool.query(
      `INSERT INTO metrics_disk ("timestamp", used, free, percent)
       SELECT ts, 60000000000, 40000000000, round((${wave})::numeric, 2) FROM ${series}`,
    ),
  ]);
  for (const m of METRICS) await pool.query(`VACUUM ANALYZE metrics_${m}`);
  await pool.end();
  console.log(
    `seeded 7 days of 1-second samples (604,800 rows × 6 metrics) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

async function timeGet(url: string): Promise<{ ms: number; points: number }> {
  const t0 = performance.now();
  const res = await fetch(url, {
    headers: { 'X-Arasul-Identity': IDENTITY },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as unknown[];
  if (!res.ok) throw new Error(`${url}: ${res.status} ${JSON.stringify(body)}`);
  return { ms: performance.now() - t0, points: body.length };
}

async function measureHistory(): Promise<void> {
  const database = await createDatabase('history');
  try {
    await seedSevenDays(database);
    const service = await startService(database, 5000);
    try {
      // Let the first retention run roll the 7 days up (the 30d/1y ranges read those rollups).
      const deadline = Date.now() + 120_000;
      for (;;) {
        const ready = (await (await fetch(`${service.base}/health/ready`)).json()) as {
          loops: { retention?: { runs: number } };
        };
        if ((ready.loops.retention?.runs ?? 0) > 0 || Date.now() > deadline) break;
        await sleep(500);
      }
      for (const range of ['7d', '30d', '1y']) {
        for (const metric of range === '7d' ? METRICS : (['cpu'] as const)) {
          const url = `${service.base}/api/metrics/history?metric=${metric}&range=${range}&points=300`;
          await timeGet(url); // warm-up
          const times: number[] = [];
          let points = 0;
          for (let i = 0; i < QUERIES; i += 1) {
            const r = await timeGet(url);
            times.push(r.ms);
            points = r.points;
          }
          console.log(
            `history ${range} ${metric.padEnd(11)} ${points} points: p50 ${ms(percentile(times, 50))} p95 ${ms(percentile(times, 95))} max ${ms(Math.max(...times))}`,
          );
        }
      }
      const retention = (await (
        await fetch(`${service.base}/api/metrics/retention`, { headers: { 'X-Arasul-Identity': IDENTITY } })
      ).json()) as { metrics: { metric: string; rows: number; bytes: number; bytesPerSample: number }[] };
      for (const m of retention.metrics) {
        console.log(
          `storage ${m.metric.padEnd(11)} ${m.rows} rows, ${(m.bytes / 1024 / 1024).toFixed(1)} MiB, ${m.bytesPerSample} bytes per sample`,
        );
      }
    } finally {
      await service.stop();
    }
  } finally {
    await dropDatabase(database);
  }
}

async function main(): Promise<void> {
  if (process.env.BENCH_SKIP_HISTORY !== '1') await measureHistory();
  if (process.env.BENCH_SKIP_CPU !== '1') {
    await measureProcess(5000);
    await measureProcess(1000);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
