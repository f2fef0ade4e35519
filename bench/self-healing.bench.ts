/**
 * Self-healing in native mode, measured end to end: the built agent (services/self-healing-agent/dist/main.js)
 * runs as a real process against a real supervisor (production back-off: 1 s doubling to 60 s) with tiny real
 * services, on its own database clone and the local RabbitMQ. Reports
 *   1. crash detection: kill -9 of a service → the agent's `detected` row (BENCH_KILLS ≤ 5 samples, the budget);
 *   2. hung services: BENCH_HANGS services stop answering ready at once (still running) → the agent's
 *      restart, and → ready again (targets: ≤ SELF_HEALING_UNREADY_S + 2 s, then ≤ 10 s);
 *   3. crash loop: a service that dies on every start, watched for BENCH_LOOP_S → supervisor restarts
 *      (budget: 5 in 30 min, then quarantine);
 *   4. idle cost of the agent over BENCH_IDLE_S: CPU % of one core (from /proc utime+stime) and RSS, with the
 *      GPU-hang guard reading a snapshot every BENCH_GPU_POLL_MS (5000, the default) from a stand-in of the
 *      collector's `/internal/metrics/live` (GPU at 10 %: what an idle box answers).
 *
 *   pnpm exec tsc -b services/self-healing-agent packages/supervisor
 *   pnpm --filter @arasul/self-healing-agent exec tsx --tsconfig ../../tsconfig.test.json ../../bench/self-healing.bench.ts
 *
 * The agent runs with its manifest's `nodeFlags` (as the supervisor starts it) and source maps on;
 * BENCH_NODE_FLAGS (space-separated) replaces those flags to compare variants.
 *
 * Loopback only; every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listen } from '@arasul/service-kit';
import { Supervisor, createControlApp, discoverServices } from '@arasul/supervisor';
import { createSilentLogger, createTestDatabase, prepareTemplates, urlFor } from '@arasul/testkit';
import { serviceNodeFlags } from './node-flags';

const ROOT = join(__dirname, '..');
// The budget allows 5 healing actions in 30 min; a sixth crash quarantines (that is measured in 3.)
const KILLS = Math.min(5, Number(process.env.BENCH_KILLS ?? 5));
const HANGS = Number(process.env.BENCH_HANGS ?? 3);
const LOOP_S = Number(process.env.BENCH_LOOP_S ?? 90);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 60);
const GPU_POLL_MS = Number(process.env.BENCH_GPU_POLL_MS ?? 5000);
/** Another build of the agent to compare (e.g. a previous commit's `tsc` output), relative to the checkout. */
const AGENT_MAIN = process.env.BENCH_AGENT_MAIN ?? 'services/self-healing-agent/dist/main.js';
const AGENT_FLAGS = ['--enable-source-maps', ...serviceNodeFlags('self-healing-agent')];
const UNREADY_S = 15;
const BASE_PORT = 31_500;
const AGENT_PORT = 31_499;
const INTERNAL_SECRET = 'bench-internal-secret-0123456789abcdef-0123456789';
const TOKEN = 'bench-supervisor-token';

const FAKE = `
const http = require('node:http');
const fs = require('node:fs');
const port = Number(process.env[process.env.FAKE_PORT_ENV]);
if (process.env.FAKE_CRASH_FILE && fs.existsSync(process.env.FAKE_CRASH_FILE)) setTimeout(() => process.exit(3), 200);
let ready = true;
http.createServer((req, res) => {
  if (req.url === '/health/ready') { res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }); res.end('{"checks":{}}'); return; }
  if (req.url === '/hang') { ready = false; res.writeHead(204); res.end(); return; }
  res.writeHead(404); res.end();
}).listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
`;

const names = ['victim', ...Array.from({ length: HANGS }, (_, i) => `hung-${i}`), 'looper'];

function checkout(): string {
  const root = mkdtempSync(join(tmpdir(), 'arasul-bench-heal-'));
  names.forEach((name, i) => {
    const dir = join(root, 'services', name);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    const portEnv = `${name.toUpperCase().replace(/-/g, '_')}_PORT`;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name, arasul: { port: { env: portEnv, default: BASE_PORT + i } } }),
    );
    const crashFile = name === 'looper' ? join(root, 'crash-looper') : '';
    const env = `process.env.FAKE_PORT_ENV = ${JSON.stringify(portEnv)}; process.env.FAKE_CRASH_FILE = ${JSON.stringify(crashFile)};`;
    writeFileSync(join(dir, 'dist', 'main.js'), `${env}\n${FAKE}`);
  });
  return root;
}

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (v: number) => `${Math.round(v)} ms`;

async function until<T>(
  probe: () => Promise<T | undefined> | T | undefined,
  what: string,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14, 15 of stat)
}

function rssMb(pid: number): number {
  const line =
    readFileSync(`/proc/${pid}/status`, 'utf8')
      .split('\n')
      .find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

/** Resident set split at the end of the idle phase: anonymous (heap, JIT code, malloc) vs mapped files. */
function residentSplitMb(pid: number): { rssEnd: number; anonymous: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return { rssEnd: Math.round(kb('Rss') / 1024), anonymous: Math.round(kb('Anonymous') / 1024) };
}

async function main(): Promise<void> {
  await prepareTemplates();
  const testDb = await createTestDatabase();
  const db = testDb.db;
  const root = checkout();
  const logger = createSilentLogger();
  const supervisor = new Supervisor(
    discoverServices(root, {}),
    {
      root,
      env: { PATH: process.env.PATH },
      logDir: join(root, 'var', 'log'),
      logMaxBytes: 1024 * 1024,
      logKeep: 1,
      baseBackoffMs: 1000,
      maxBackoffMs: 60_000,
      stableAfterMs: 60_000,
      readinessIntervalMs: 1000,
      stopTimeoutMs: 5000,
    },
    logger,
  );
  supervisor.start();
  const control = await listen(createControlApp(supervisor, TOKEN, logger), 0);
  // The collector's internal snapshot as an idle box answers it (the GPU-hang guard reads it).
  const snapshot = JSON.stringify({
    timestamp: new Date().toISOString(),
    cpu: 3,
    ram: 35,
    swap: 0,
    gpu: 10,
    temperature: 45,
    disk: { used: 40e9, free: 60e9, percent: 40 },
    unavailable: {},
    sources: {},
  });
  let snapshotsServed = 0;
  const collector = await listen((_req, res) => {
    snapshotsServed += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(snapshot);
  }, 0);
  mkdirSync(join(root, 'var', 'run'), { recursive: true });
  writeFileSync(join(root, 'var', 'run', 'supervisor.token'), TOKEN, { mode: 0o600 });
  const dbUrl = new URL(urlFor(testDb.name));
  let agent: ChildProcess | undefined;
  const status = (name: string) => supervisor.status().services.find((s) => s.name === name);
  const rows = (service: string, type: string) =>
    db
      .selectFrom('self_healing_events')
      .selectAll()
      .where('service_name', '=', service)
      .where('event_type', '=', type)
      .orderBy('id')
      .execute();
  try {
    await until(
      () => (supervisor.status().services.every((s) => s.ready) ? true : undefined),
      'services ready',
      20_000,
    );
    agent = spawn(process.execPath, [...AGENT_FLAGS, join(ROOT, AGENT_MAIN)], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        // glibc's malloc arenas (one per thread by default), to measure their share of the resident set.
        ...(process.env.MALLOC_ARENA_MAX ? { MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX } : {}),
        SELF_HEALING_PORT: String(AGENT_PORT),
        POSTGRES_HOST: dbUrl.hostname,
        POSTGRES_PORT: dbUrl.port || '5432',
        POSTGRES_USER: decodeURIComponent(dbUrl.username) || 'postgres',
        POSTGRES_DB: testDb.name,
        INTERNAL_SECRET,
        ARASUL_VAR: join(root, 'var'),
        SUPERVISOR_URL: `http://127.0.0.1:${control.port}`,
        SELF_HEALING_UNREADY_S: String(UNREADY_S),
        METRICS_URL: `http://127.0.0.1:${collector.port}`,
        SELF_HEALING_METRICS_POLL_MS: String(GPU_POLL_MS),
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await until(
      async () => {
        const r = await fetch(`http://127.0.0.1:${AGENT_PORT}/health/ready`).catch(() => null);
        return r?.ok ? true : undefined;
      },
      'agent ready',
      30_000,
    );
    await sleep(2000);

    // 1. crash detection
    const detect: number[] = [];
    const recover: number[] = [];
    for (let i = 0; i < KILLS; i += 1) {
      await until(() => (status('victim')?.ready ? true : undefined), 'victim ready', 30_000);
      const before = (await rows('victim', 'detected')).length;
      const killedAt = Date.now();
      process.kill(status('victim')?.pid ?? -1, 'SIGKILL');
      const row = await until(async () => (await rows('victim', 'detected'))[before], 'crash detected', 5000);
      detect.push(row.timestamp.getTime() - killedAt);
      await until(() => (status('victim')?.ready ? true : undefined), 'victim ready again', 30_000);
      recover.push(Date.now() - killedAt);
    }

    // 3. (runs alongside 2.) the crash loop starts now: every start of looper dies after 200 ms
    writeFileSync(join(root, 'crash-looper'), 'x');
    const loopStartedAt = Date.now();
    process.kill(status('looper')?.pid ?? -1, 'SIGKILL');

    // 2. hung services (all at once)
    const hungAt = Date.now();
    await Promise.all(
      names
        .filter((n) => n.startsWith('hung-'))
        .map((_n, i) => fetch(`http://127.0.0.1:${BASE_PORT + 1 + i}/hang`)),
    );
    const detected: number[] = [];
    const acted: number[] = [];
    const readyAgain: number[] = [];
    await Promise.all(
      names
        .filter((n) => n.startsWith('hung-'))
        .map(async (n) => {
          const seen = await until(
            async () => (await rows(n, 'detected'))[0],
            `${n} detected`,
            (UNREADY_S + 10) * 1000,
          );
          detected.push(seen.timestamp.getTime() - hungAt);
          const row = await until(async () => (await rows(n, 'action'))[0], `${n} restarted`, 15_000);
          acted.push(row.timestamp.getTime() - hungAt);
          await until(() => (status(n)?.ready ? true : undefined), `${n} ready again`, 30_000);
          readyAgain.push(Date.now() - row.timestamp.getTime());
        }),
    );

    // 3. crash loop, watched for LOOP_S from its start
    await sleep(Math.max(0, LOOP_S * 1000 - (Date.now() - loopStartedAt)));
    const loop = status('looper');
    const quarantined = (await rows('looper', 'quarantined')).length;

    // 4. idle
    const pid = agent.pid ?? -1;
    await sleep(5000);
    const t0 = cpuTicks(pid);
    const s0 = Date.now();
    let rssMax = 0;
    for (let elapsed = 0; elapsed < IDLE_S * 1000; elapsed += 5000) {
      await sleep(5000);
      rssMax = Math.max(rssMax, rssMb(pid));
    }
    const cpuPct = ((cpuTicks(pid) - t0) / 100 / ((Date.now() - s0) / 1000)) * 100;
    const split = residentSplitMb(pid);

    const out = {
      crashDetection: { samples: detect.length, p50: ms(pct(detect, 50)), max: ms(Math.max(...detect)) },
      crashToReady: { p50: ms(pct(recover, 50)), max: ms(Math.max(...recover)) },
      hungToDetected: {
        samples: detected.length,
        max: ms(Math.max(...detected)),
        limit: ms((UNREADY_S + 2) * 1000),
      },
      hungToRestartDone: { max: ms(Math.max(...acted)) },
      restartToReady: { max: ms(Math.max(...readyAgain)), limit: '10000 ms' },
      crashLoop: {
        watchedSeconds: LOOP_S,
        supervisorRestarts: loop?.restarts,
        quarantined: loop?.quarantined,
        quarantineRecords: quarantined,
      },
      idle: {
        agent: AGENT_MAIN,
        seconds: IDLE_S,
        gpuPollMs: GPU_POLL_MS,
        snapshotsServed,
        cpuPercentOfOneCore: Math.round(cpuPct * 100) / 100,
        rssMaxMb: Math.round(rssMax),
        rssEndMb: split.rssEnd,
        anonymousEndMb: split.anonymous,
        mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? 'default',
      },
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } finally {
    agent?.kill('SIGTERM');
    await sleep(500);
    await control.close(100);
    await collector.close(100);
    await supervisor.stop();
    rmSync(root, { recursive: true, force: true });
    await testDb.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
