/**
 * What does the gateway cost? One run, one upstream, four ways to reach it:
 *   direct      the upstream itself (a tiny node http server answering a small JSON)
 *   nginx       nginx 1 worker, keep-alive to the upstream (the reference edge proxy)
 *   gateway/jwt the real gateway process: Bearer JWT, Redis rate limit, audit rows, signed identity
 *   gateway/key the same with an API key (verified once by a fake auth, then from the cache)
 *
 *   1. throughput: autocannon, BENCH_CONNECTIONS (50) keep-alive connections for BENCH_DURATION_S (10) s
 *      per target (after a warm-up), plus wrk with the same settings when wrk is installed;
 *   2. latency at a fixed rate: an open-loop generator sends BENCH_FIXED_RPS (200) requests a second,
 *      evenly spaced, for BENCH_FIXED_S (15) s; latency is measured from each request's scheduled time
 *      (no coordinated omission) with microsecond resolution.
 *
 *   pnpm exec tsc -b services/gateway
 *   pnpm --filter @arasul/gateway exec tsx --tsconfig ../../tsconfig.test.json ../../bench/gateway.bench.ts
 *
 * Knobs: BENCH_WORKERS (GATEWAY_WORKERS of the gateway, 1), BENCH_COMPARE_DIST (a second gateway build, e.g.
 * an older dist copied to services/gateway/dist-baseline, measured in the same run as `base/jwt`, `base/key`),
 * BENCH_COMPARE_WORKERS (its GATEWAY_WORKERS; with BENCH_COMPARE_DIST=services/gateway/dist, 1 vs 2 workers of
 * one build in one run), BENCH_COMPARE_LABEL (its row names instead of `base`),
 * BENCH_LOADERS (autocannon,wrk), BENCH_GATEWAY_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, for the
 * gateway process only). "CPU µs/req" is the CPU time of the server's whole process tree (primary and workers
 * for the gateway, nginx's worker) divided by the requests it answered in the measured phase.
 *
 * Needs nginx on PATH (Debian: apt-get install nginx), PostgreSQL and Redis running. The gateway runs with
 * LOG_LEVEL=warn and audit on, against scratch databases (created and migrated like `scripts/arasul migrate`), dropped at the
 * end. Rate limits are on but set high enough never to refuse (this measures capacity, not the limit).
 * Only loopback traffic; every phase is bounded in time.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool, provision } from '@arasul/db';
import { signAccessToken } from '@arasul/service-kit';
import { ADMIN_URL, urlFor } from '@arasul/testkit';

const ROOT = join(__dirname, '..');
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const FIXED_RPS = Number(process.env.BENCH_FIXED_RPS ?? 200);
const FIXED_S = Number(process.env.BENCH_FIXED_S ?? 15);
const WARMUP_S = 3;
const PATH = '/api/chats';
const API_KEY = `aras_bench_${randomBytes(16).toString('hex')}`;
const CLOCK_TICKS = 100; // USER_HZ on Linux
const WORKERS = Number(process.env.BENCH_WORKERS ?? 1);
const COMPARE_DIST = process.env.BENCH_COMPARE_DIST;
/** GATEWAY_WORKERS of the second gateway (default: BENCH_WORKERS), e.g. the same dist with 2 workers. */
const COMPARE_WORKERS = Number(process.env.BENCH_COMPARE_WORKERS ?? WORKERS);
/** How the second gateway's rows are named (`base/jwt`, `base/key` by default). */
const COMPARE_LABEL = process.env.BENCH_COMPARE_LABEL ?? 'base';
const LOADERS = (process.env.BENCH_LOADERS ?? 'autocannon,wrk').split(',');
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** The upstream: a small JSON for every path, and auth's two internal endpoints for the API-key run. */
const UPSTREAM_SOURCE = `
const http = require('node:http');
const [port, apiKeyId] = process.argv.slice(1).map(Number);
const body = JSON.stringify({ id: 42, title: 'Quarterly report', messages: 3, updatedAt: '2026-01-01T00:00:00Z' });
const verified = JSON.stringify({
  identity: { userId: 1, username: 'bench', role: 'admin', authType: 'api_key', scopes: ['llm:chat'], apiKeyId },
  rateLimitPerMinute: 1000000000, allowedEndpoints: null, expiresAt: null,
});
http.createServer((req, res) => {
  res.setHeader('content-type', 'application/json');
  if (req.url === '/internal/api-keys/verify') return req.resume().on('end', () => res.end(verified));
  if (req.url === '/internal/revocations') return res.end('{"sessions":[],"apiKeyIds":[]}');
  res.end(body);
}).listen(port, '127.0.0.1', () => process.stdout.write('ready\\n'));
`;

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

interface Throughput {
  rps: number;
  /** CPU time of the server per answered request, µs. */
  cpuPerRequest?: number;
  p50: number;
  p99: number;
  errors: number;
  cpu?: number;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** utime + stime of a process and its live children (the gateway's cluster workers). */
function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  let ticks = Number(fields[11]) + Number(fields[12]);
  let children: string[] = [];
  try {
    children = execFileSync('pgrep', ['-P', String(pid)])
      .toString()
      .trim()
      .split('\n');
  } catch {
    children = []; // pgrep exits 1 when there are none
  }
  for (const child of children) if (child !== '') ticks += cpuTicks(Number(child));
  return ticks;
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${command} exited ${code}: ${err}`)),
    );
  });
}

function hasCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function autocannon(target: Target, seconds: number, cpuPid?: number): Promise<Throughput> {
  const args = ['-c', String(CONNECTIONS), '-d', String(seconds), '--json'];
  for (const [name, value] of Object.entries(target.headers)) args.push('-H', `${name}=${value}`);
  const before = cpuTicks(cpuPid);
  const out = await run(join(ROOT, 'node_modules/.bin/autocannon'), [...args, target.url]);
  const cpuSeconds = (cpuTicks(cpuPid) - before) / CLOCK_TICKS;
  const cpu = (cpuSeconds / seconds) * 100;
  const result = JSON.parse(out) as {
    requests: { average: number; total: number };
    latency: { p50: number; p99: number };
    errors: number;
    non2xx: number;
  };
  return {
    rps: result.requests.average,
    cpuPerRequest: (cpuSeconds * 1e6) / result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    ...(cpuPid === undefined ? {} : { cpu }),
  };
}

async function wrk(target: Target, seconds: number, cpuPid?: number): Promise<Throughput> {
  const args = ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency'];
  for (const [name, value] of Object.entries(target.headers)) args.push('-H', `${name}: ${value}`);
  const before = cpuTicks(cpuPid);
  const out = await run('wrk', [...args, target.url]);
  const cpuSeconds = (cpuTicks(cpuPid) - before) / CLOCK_TICKS;
  const cpu = (cpuSeconds / seconds) * 100;
  const ms = (label: string) => {
    const match = new RegExp(`\\s${label}%\\s+([\\d.]+)(us|ms|s)`).exec(out);
    if (!match) return Number.NaN;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? Number.NaN);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    cpuPerRequest: (cpuSeconds * 1e6) / total,
    p50: ms('50'),
    p99: ms('99'),
    errors:
      Number(non2xx?.[1] ?? 0) +
      (socketErrors ? socketErrors.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
    ...(cpuPid === undefined ? {} : { cpu }),
  };
}

/** Open loop at a fixed rate: request i is due at start + i/rps whether or not earlier ones answered. */
async function fixedRate(
  target: Target,
  rps: number,
  seconds: number,
): Promise<{ sorted: number[]; errors: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(target.url);
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const intervalMs = 1000 / rps;
  const start = performance.now();
  for (let i = 0; i < rps * seconds; i += 1) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    // Late: count from when it should have gone out. Early (timers may fire up to 1 ms early): from now.
    const sentAt = Math.min(due, performance.now());
    inflight.push(
      new Promise<void>((resolve) => {
        const req = request(
          { host: url.hostname, port: url.port, path: url.pathname, headers: target.headers, agent },
          (res) => {
            res.resume();
            res.on('end', () => {
              if (res.statusCode === 200) latencies.push(performance.now() - sentAt);
              else errors += 1;
              resolve();
            });
          },
        );
        req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
        req.on('error', () => {
          errors += 1;
          resolve();
        });
        req.end();
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  return { sorted: latencies.sort((a, b) => a - b), errors };
}

async function waitForLine(child: ChildProcess, line: string, what: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within 10 s`)), 10_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
}

async function waitForHttp(url: string, what: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}`);
    const res = await fetch(url).catch(() => undefined);
    if (res?.ok) return;
    await sleep(100);
  }
  throw new Error(`${what} did not come up within 20 s`);
}

async function stop(child: ChildProcess | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child?.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  await Promise.race([exited, sleep(15_000)]);
}

const fmt = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(2) : 'n/a');

async function main(): Promise<void> {
  if (!hasCommand('nginx')) throw new Error('nginx is not installed (Debian: apt-get install -y nginx)');
  const useWrk = hasCommand('wrk');
  // A scratch pair of databases, created and migrated the way `scripts/arasul migrate` does it.
  const database = `arasul_bench_gw_${randomBytes(4).toString('hex')}`;
  const adminUrl = new URL(ADMIN_URL);
  await provision({
    adminUrl: ADMIN_URL,
    host: adminUrl.hostname,
    port: Number(adminUrl.port || 5432),
    main: { database, user: 'arasul', password: undefined },
    data: { database: `${database}_data`, user: 'arasul_data', password: undefined },
  });
  const admin = createPool({ connectionString: ADMIN_URL, max: 1 });
  const scratch = createPool({ connectionString: urlFor(database), max: 1 });
  const userId = (
    await scratch.query<{ id: number }>(
      `INSERT INTO admin_users (username, password_hash, email) VALUES ('bench', 'x', 'bench@example.com') RETURNING id`,
    )
  ).rows[0]!.id;
  const apiKeyId = (
    await scratch.query<{ id: number }>(
      `INSERT INTO api_keys (key_hash, key_prefix, name, created_by) VALUES ('x', 'aras_ben', 'bench', $1) RETURNING id`,
      [userId],
    )
  ).rows[0]!.id;
  const dbUrl = new URL(urlFor(database));
  const [upstreamPort, nginxPort, gatewayPort] = [await freePort(), await freePort(), await freePort()];
  const nginxDir = mkdtempSync(join(tmpdir(), 'arasul-bench-nginx-'));
  const jwtSecret = randomBytes(32).toString('hex');
  const internalSecret = randomBytes(32).toString('hex');
  const redisPrefix = `bench:${database}:`;
  let upstream: ChildProcess | undefined;
  let nginx: ChildProcess | undefined;
  let gateway: ChildProcess | undefined;
  let compare: ChildProcess | undefined;
  const comparePort = await freePort();

  try {
    upstream = spawn(process.execPath, ['-e', UPSTREAM_SOURCE, String(upstreamPort), String(apiKeyId)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await waitForLine(upstream, 'ready', 'upstream');

    writeFileSync(
      join(nginxDir, 'nginx.conf'),
      `worker_processes 1;
pid ${nginxDir}/nginx.pid;
error_log ${nginxDir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${nginxDir}/body; proxy_temp_path ${nginxDir}/proxy;
  fastcgi_temp_path ${nginxDir}/fastcgi; uwsgi_temp_path ${nginxDir}/uwsgi; scgi_temp_path ${nginxDir}/scgi;
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${nginxPort};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
    );
    nginx = spawn('nginx', ['-c', join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: 'inherit' });

    const startGateway = (dist: string, port: number, workers: number): ChildProcess =>
      spawn(process.execPath, [...GATEWAY_NODE_ARGS, join(dist, 'main.js')], {
        env: {
          ...process.env,
          NODE_ENV: 'production',
          LOG_LEVEL: 'warn',
          GATEWAY_PORT: String(port),
          GATEWAY_WORKERS: String(workers),
          POSTGRES_HOST: dbUrl.hostname,
          POSTGRES_PORT: dbUrl.port || '5432',
          POSTGRES_USER: 'arasul',
          POSTGRES_DB: database,
          REDIS_KEY_PREFIX: redisPrefix,
          JWT_SECRET: jwtSecret,
          INTERNAL_SECRET: internalSecret,
          AUTH_URL: `http://127.0.0.1:${upstreamPort}`,
          LLM_QUEUE_URL: `http://127.0.0.1:${upstreamPort}`,
          RATE_LIMIT_USER_PER_MINUTE: '1000000000',
          AUDIT_ENABLED: 'true',
        },
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    gateway = startGateway(join(ROOT, 'services/gateway/dist'), gatewayPort, WORKERS);
    if (COMPARE_DIST !== undefined) compare = startGateway(COMPARE_DIST, comparePort, COMPARE_WORKERS);
    await waitForHttp(`http://127.0.0.1:${gatewayPort}/health/live`, 'gateway', gateway);
    if (compare) await waitForHttp(`http://127.0.0.1:${comparePort}/health/live`, 'compare gateway', compare);
    await waitForHttp(`http://127.0.0.1:${nginxPort}${PATH}`, 'nginx', nginx);

    const token = signAccessToken(
      { userId, username: 'bench', role: 'admin', sessionId: 1 },
      jwtSecret,
      3600,
    ).token;
    const targets: Target[] = [
      { name: 'direct', url: `http://127.0.0.1:${upstreamPort}${PATH}`, headers: {} },
      { name: 'nginx', url: `http://127.0.0.1:${nginxPort}${PATH}`, headers: {} },
      {
        name: 'gateway/jwt',
        url: `http://127.0.0.1:${gatewayPort}${PATH}`,
        headers: { authorization: `Bearer ${token}` },
      },
      {
        name: 'gateway/key',
        url: `http://127.0.0.1:${gatewayPort}${PATH}`,
        headers: { 'x-api-key': API_KEY },
      },
      ...(COMPARE_DIST === undefined
        ? []
        : [
            {
              name: `${COMPARE_LABEL}/jwt`,
              url: `http://127.0.0.1:${comparePort}${PATH}`,
              headers: { authorization: `Bearer ${token}` },
            },
            {
              name: `${COMPARE_LABEL}/key`,
              url: `http://127.0.0.1:${comparePort}${PATH}`,
              headers: { 'x-api-key': API_KEY },
            },
          ]),
    ];
    // nginx's CPU is its worker's (the master only supervises).
    const nginxWorker = Number(
      execFileSync('pgrep', ['-P', String(nginx.pid)])
        .toString()
        .trim()
        .split('\n')[0],
    );
    const pidOf = (name: string) =>
      name === 'direct'
        ? upstream?.pid
        : name === 'nginx'
          ? nginxWorker
          : name.startsWith(`${COMPARE_LABEL}/`)
            ? compare?.pid
            : gateway?.pid;
    const loadBefore = loadavg()[0] ?? 0;

    const loaders: [string, (t: Target, s: number, pid?: number) => Promise<Throughput>][] = [];
    if (LOADERS.includes('autocannon')) loaders.push(['autocannon', autocannon]);
    if (useWrk && LOADERS.includes('wrk')) loaders.push(['wrk', wrk]);
    const throughput: Record<string, Record<string, Throughput>> = {};
    for (const [loaderName, load] of loaders) {
      throughput[loaderName] = {};
      for (const target of targets) {
        await load(target, WARMUP_S);
        throughput[loaderName][target.name] = await load(target, DURATION_S, pidOf(target.name));
      }
    }

    const fixed: Record<string, { sorted: number[]; errors: number }> = {};
    for (const target of targets) {
      await fixedRate(target, FIXED_RPS, 2);
      fixed[target.name] = await fixedRate(target, FIXED_RPS, FIXED_S);
    }

    await sleep(1500); // one audit flush interval and then some
    const audit = await scratch.query<{ rows: string }>(`SELECT count(*) AS rows FROM api_audit_logs`);
    const usage = await scratch.query<{ rows: string }>(`SELECT count(*) AS rows FROM api_key_usage`);
    const ready = (await (
      await fetch(`http://127.0.0.1:${gatewayPort}/health/ready`, {
        headers: { authorization: `Bearer ${internalSecret}` },
      })
    ).json()) as {
      checks: { audit?: { info?: { dropped?: number; buffered?: number } } };
    };

    const lines: string[] = [];
    lines.push(
      `gateway benchmark: ${CONNECTIONS} connections x ${DURATION_S} s per target; fixed rate ${FIXED_RPS}/s for ${FIXED_S} s; GET ${PATH}; GATEWAY_WORKERS=${WORKERS}${COMPARE_DIST === undefined ? '' : `; ${COMPARE_LABEL} = ${COMPARE_DIST} with GATEWAY_WORKERS=${COMPARE_WORKERS}`}`,
      `machine: ${cpus().length} cores, load average ${loadBefore.toFixed(2)} before the run (other work on the machine skews every number)`,
    );
    for (const [loaderName, results] of Object.entries(throughput)) {
      const nginxRps = results.nginx?.rps ?? Number.NaN;
      lines.push(
        '',
        `throughput (${loaderName}):`,
        '| target | req/s | p50 ms | p99 ms | errors | CPU of that server | CPU µs/req | vs nginx req/s | vs nginx CPU/req |',
        '|---|---|---|---|---|---|---|---|---|',
      );
      const nginxCpu = results.nginx?.cpuPerRequest ?? Number.NaN;
      for (const [name, r] of Object.entries(results)) {
        const perRequest = r.cpuPerRequest ?? Number.NaN;
        lines.push(
          `| ${name} | ${Math.round(r.rps)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.errors} | ${r.cpu === undefined ? '' : `${Math.round(r.cpu)} %`} | ${Math.round(perRequest)} | ${Math.round((100 * r.rps) / nginxRps)} % | ${(perRequest / nginxCpu).toFixed(1)}× |`,
        );
      }
    }
    const direct = fixed.direct?.sorted ?? [];
    lines.push(
      '',
      `latency at ${FIXED_RPS} req/s (from the scheduled send time):`,
      '| target | p50 ms | p90 ms | p99 ms | max ms | added p50 | added p99 | errors |',
      '|---|---|---|---|---|---|---|---|',
    );
    for (const [name, r] of Object.entries(fixed)) {
      lines.push(
        `| ${name} | ${fmt(percentile(r.sorted, 50))} | ${fmt(percentile(r.sorted, 90))} | ${fmt(percentile(r.sorted, 99))} | ${fmt(r.sorted.at(-1) ?? Number.NaN)} | ${fmt(percentile(r.sorted, 50) - percentile(direct, 50))} | ${fmt(percentile(r.sorted, 99) - percentile(direct, 99))} | ${r.errors} |`,
      );
    }
    lines.push(
      '',
      `audit: ${audit.rows[0]?.rows} api_audit_logs rows and ${usage.rows[0]?.rows} api_key_usage rows written; ` +
        `buffered ${ready.checks.audit?.info?.buffered ?? '?'}, dropped ${ready.checks.audit?.info?.dropped ?? '?'}`,
    );
    console.log(lines.join('\n'));
  } finally {
    await stop(gateway);
    await stop(compare);
    await stop(nginx, 'SIGQUIT');
    await stop(upstream);
    rmSync(nginxDir, { recursive: true, force: true });
    await scratch.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.query(`DROP DATABASE IF EXISTS ${database}_data WITH (FORCE)`);
    await admin.end();
    const keys = await run('redis-cli', ['--scan', '--pattern', `${redisPrefix}*`]).catch(() => '');
    const names = keys.split('\n').filter((k) => k !== '');
    if (names.length > 0) await run('redis-cli', ['del', ...names]).catch(() => '');
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
