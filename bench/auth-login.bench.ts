/**
 * Login under load: does an argon2id login storm starve the rest of the auth service?
 *
 * Starts the built auth service (services/auth/dist/main.js) as a real process on its own database clone,
 * creates the first admin, then
 *   1. idle:  probes a cheap endpoint at a steady rate for IDLE_S seconds;
 *   2. storm: CONCURRENCY clients log in back to back for STORM_S seconds while the probe keeps its rate.
 * Reports successful logins per second, how many were turned away (503 auth_busy), and p50/p99 of the
 * probe idle vs during the storm.
 *
 *   pnpm exec tsc -b services/auth
 *   pnpm --filter @arasul/auth exec tsx --tsconfig ../../tsconfig.test.json ../../bench/auth-login.bench.ts
 *
 * Knobs (env): BENCH_CONCURRENCY (16), BENCH_USERS (8 accounts the clients log in to), BENCH_STORM_S (20), BENCH_IDLE_S (5), BENCH_PROBE_RPS (20),
 * BENCH_PROBE_PATH (/api/auth/needs-setup), and any auth variable, e.g. ARGON2_CONCURRENCY.
 * Only loopback traffic; every loop is bounded in time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createPool } from '@arasul/db';
import { signIdentity } from '@arasul/service-kit';
import { ADMIN_URL, createTestDatabase, prepareTemplates, urlFor } from '@arasul/testkit';

const ROOT = join(__dirname, '..');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const STORM_S = Number(process.env.BENCH_STORM_S ?? 20);
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 5);
const PROBE_RPS = Number(process.env.BENCH_PROBE_RPS ?? 20);
const PROBE_PATH = process.env.BENCH_PROBE_PATH ?? '/api/auth/needs-setup';
const PORT = 18_000 + Math.floor(Math.random() * 1000);
const BASE = `http://127.0.0.1:${PORT}`;
const USERS = Number(process.env.BENCH_USERS ?? 8);
const USERNAME = 'benchadmin';
const PASSWORD = 'bench-password-123';
const INTERNAL_SECRET = randomBytes(32).toString('hex');
/** Login storms hit several accounts: attempts on one username are serialised, different ones compete for argon2. */
const userName = (i: number) => (i === 0 ? USERNAME : `benchuser${i}`);

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** Sends one probe every 1/PROBE_RPS s (open loop: a slow answer does not delay the next probe). */
async function probe(seconds: number): Promise<{ latencies: number[]; errors: number }> {
  const latencies: number[] = [];
  let errors = 0;
  const inflight: Promise<void>[] = [];
  const interval = 1000 / PROBE_RPS;
  const start = performance.now();
  for (let i = 0; i < seconds * PROBE_RPS; i += 1) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    inflight.push(
      (async () => {
        const t0 = performance.now();
        const res = await fetch(`${BASE}${PROBE_PATH}`, { signal: AbortSignal.timeout(10_000) }).catch(
          () => undefined,
        );
        if (!res?.ok) errors += 1;
        await res?.arrayBuffer();
        latencies.push(performance.now() - t0);
      })(),
    );
  }
  await Promise.all(inflight);
  return { latencies, errors };
}

interface StormResult {
  ok: number;
  busy: number;
  other: number;
  latencies: number[];
  /** Status codes other than 200 and 503 (e.g. 423 would mean the lockout misfired). */
  otherStatuses: Record<string, number>;
}

async function storm(seconds: number): Promise<StormResult> {
  const until = performance.now() + seconds * 1000;
  const result: StormResult = { ok: 0, busy: 0, other: 0, latencies: [], otherStatuses: {} };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      const body = JSON.stringify({ username: userName(client % USERS), password: PASSWORD });
      while (performance.now() < until) {
        const t0 = performance.now();
        const res = await fetch(`${BASE}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
          signal: AbortSignal.timeout(15_000),
        }).catch(() => undefined);
        await res?.arrayBuffer();
        if (res?.status === 200) {
          result.ok += 1;
          result.latencies.push(performance.now() - t0);
        } else if (res?.status === 503) {
          result.busy += 1;
          // A turned-away client waits as its Retry-After asks, like the dashboard does.
          await sleep(Number(res.headers.get('retry-after') ?? 1) * 1000);
        } else {
          result.other += 1;
          const key = String(res?.status ?? 'network error');
          result.otherStatuses[key] = (result.otherStatuses[key] ?? 0) + 1;
        }
      }
    }),
  );
  return result;
}

async function waitUntilLive(child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`auth exited with ${child.exitCode}`);
    const res = await fetch(`${BASE}/health/live`).catch(() => undefined);
    if (res?.ok) return;
    await sleep(100);
  }
  throw new Error('auth did not come up within 20 s');
}

async function main(): Promise<void> {
  await prepareTemplates();
  // A clone of the migrated test template (testkit names it and knows the current template).
  const testDb = await createTestDatabase();
  await testDb.db.destroy();
  const database = testDb.name;
  const admin = createPool({ connectionString: ADMIN_URL, max: 1 });
  const dbUrl = new URL(urlFor(database));

  const child = spawn(process.execPath, [join(ROOT, 'services/auth/dist/main.js')], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      AUTH_PORT: String(PORT),
      POSTGRES_HOST: dbUrl.hostname,
      POSTGRES_PORT: dbUrl.port || '5432',
      POSTGRES_USER: decodeURIComponent(dbUrl.username) || 'postgres',
      POSTGRES_DB: database,
      REDIS_KEY_PREFIX: `bench:${database}:`,
      JWT_SECRET: randomBytes(32).toString('hex'),
      INTERNAL_SECRET,
      // Every benchmark login comes from one address; the lockout only counts failures anyway.
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  try {
    await waitUntilLive(child);
    const setup = await fetch(`${BASE}/api/auth/setup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
    });
    if (setup.status !== 201) throw new Error(`setup failed: ${setup.status} ${await setup.text()}`);
    const { user } = (await setup.json()) as { user: { id: number } };
    // What the gateway would forward for the admin: a signed identity header.
    const identity = signIdentity(
      { userId: user.id, username: USERNAME, role: 'admin', authType: 'jwt', scopes: [] },
      INTERNAL_SECRET,
    );
    for (let i = 1; i < USERS; i += 1) {
      const created = await fetch(`${BASE}/api/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-arasul-identity': identity },
        body: JSON.stringify({ username: userName(i), password: PASSWORD, role: 'viewer' }),
      });
      if (created.status !== 201)
        throw new Error(`creating a user failed: ${created.status} ${await created.text()}`);
    }
    await probe(1); // warm-up

    const idle = await probe(IDLE_S);
    const [busy, loaded] = await Promise.all([probe(STORM_S), storm(STORM_S)]);

    const lines = [
      `auth login storm: ${CONCURRENCY} concurrent clients on ${USERS} accounts for ${STORM_S} s, probe ${PROBE_PATH} at ${PROBE_RPS}/s`,
      `  ARGON2_CONCURRENCY=${process.env.ARGON2_CONCURRENCY ?? '1 (default)'}, ARGON2_MAX_QUEUE=${process.env.ARGON2_MAX_QUEUE ?? '32 (default)'}`,
      `  logins: ${loaded.ok} ok (${(loaded.ok / STORM_S).toFixed(1)}/s), ${loaded.busy} turned away with 503, ${loaded.other} other ${JSON.stringify(loaded.otherStatuses)}`,
      `  login latency: p50 ${fmt(percentile(loaded.latencies, 50))}, p99 ${fmt(percentile(loaded.latencies, 99))}`,
      `  probe idle:    p50 ${fmt(percentile(idle.latencies, 50))}, p99 ${fmt(percentile(idle.latencies, 99))} (${idle.latencies.length} requests, ${idle.errors} errors)`,
      `  probe storm:   p50 ${fmt(percentile(busy.latencies, 50))}, p99 ${fmt(percentile(busy.latencies, 99))} (${busy.latencies.length} requests, ${busy.errors} errors)`,
    ];
    console.log(lines.join('\n'));
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
