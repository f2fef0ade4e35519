import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import type { Kysely } from 'kysely';
import type { MetricsSnapshot } from '@arasul/contracts';
import type { Database } from '@arasul/db';
import {
  HealthRegistry,
  type Identity,
  type RunningServer,
  type Role,
  listen,
  signIdentity,
} from '@arasul/service-kit';
import { Supervisor, createControlApp, discoverServices } from '@arasul/supervisor';
import { type ServiceTestInfra, createServiceTestInfra, testPortFor } from '@arasul/testkit';
import { type Agent, createAgent } from '../src/agent';
import { createApp } from '../src/app';
import { parseSelfHealingConfig } from '../src/config';
import { NativeRuntime } from '../src/runtime/native.runtime';

export const INTERNAL_SECRET = 'test-internal-secret-0123456789abcdef-0123456789';
const TOKEN = 'agent-test-supervisor-token';

/**
 * A tiny real service: `/health/ready`, `POST /hang` (stays running, never ready again — until restarted),
 * and a crash on start while `crash-<name>` exists in the checkout (a crash loop on demand).
 */
const FAKE_MAIN = `
const http = require('node:http');
const fs = require('node:fs');
const port = Number(process.env[process.env.FAKE_PORT_ENV]);
if (fs.existsSync(process.env.FAKE_CRASH_FILE)) setTimeout(() => process.exit(3), 50);
// A heavy service for the RAM guard: this many MiB stay resident.
globalThis.held = Buffer.alloc(Number(process.env.FAKE_ALLOC_MB || 0) * 1048576, 1);
let ready = true;
const server = http.createServer((req, res) => {
  if (req.url === '/health/ready') {
    const down = process.env.FAKE_DEP_DOWN && fs.existsSync(process.env.FAKE_DEP_FLAG) ? process.env.FAKE_DEP_DOWN : null;
    const ok = ready && !down;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ok ? 'ready' : 'unready', checks: down ? { [down]: { status: 'down', error: 'refused' } } : {} }));
    return;
  }
  if (req.url === '/hang' && req.method === 'POST') { ready = false; res.writeHead(204); res.end(); return; }
  res.writeHead(404); res.end();
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface FakeService {
  name: string;
  port: number;
  env?: Record<string, string>;
}

export function makeCheckout(services: FakeService[]): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'arasul-heal-'));
  for (const s of services) {
    const dir = join(root, 'services', s.name);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    const portEnv = `${s.name.toUpperCase().replace(/-/g, '_')}_PORT`;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: s.name, arasul: { port: { env: portEnv, default: s.port } } }),
    );
    const env = {
      FAKE_PORT_ENV: portEnv,
      FAKE_CRASH_FILE: join(root, `crash-${s.name}`),
      FAKE_DEP_FLAG: join(root, `dep-down-${s.name}`),
      ...s.env,
    };
    const lines = Object.entries(env)
      .map(([k, v]) => `process.env[${JSON.stringify(k)}] ??= ${JSON.stringify(v)};`)
      .join('\n');
    writeFileSync(join(dir, 'dist', 'main.js'), `${lines}\n${FAKE_MAIN}`);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * A port per test file below the ephemeral range (30000+ once collided with a parallel test's outgoing
 * connection in CI: the fake service never became ready) and apart from the supervisor tests' range.
 */
export function testPort(offset: number): number {
  return testPortFor('selfHealing', offset);
}

export async function eventually<T>(
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await sleep(50);
  }
}

export function identity(role: Role, userId = 1, username = `${role}-user`): Identity {
  return { userId, username, role, authType: 'jwt', scopes: [] };
}

export function asCaller(who: Identity): Record<string, string> {
  return { 'X-Arasul-Identity': signIdentity(who, INTERNAL_SECRET) };
}

export async function createUser(db: Kysely<Database>, username: string, role: Role): Promise<Identity> {
  const row = await db
    .insertInto('admin_users')
    .values({ username, password_hash: 'not-a-real-hash', role })
    .returning('id')
    .executeTakeFirstOrThrow();
  return identity(role, row.id, username);
}

export interface AgentOptions {
  bootedAt?: () => Date;
  /** Scripted snapshots instead of the collector's. */
  metrics?: { latest(): Promise<MetricsSnapshot | null> };
}

export interface Harness {
  infra: ServiceTestInfra;
  db: Kysely<Database>;
  root: string;
  supervisor: Supervisor;
  agent: Agent;
  app: Express;
  /**
   * Starts a second agent on the same database and supervisor (what an agent restart comes back as);
   * `bootedAt` pins the host's boot time (a start after a reboot).
   */
  restartAgent(options?: AgentOptions): Promise<void>;
  pidOf(name: string): number;
  hang(name: string): Promise<void>;
  close(): Promise<void>;
}

/** Real supervisor with real child processes, real Postgres/RabbitMQ, and the agent wired as main does it. */
export async function startHarness(
  services: FakeService[],
  env: Record<string, string> = {},
  infra?: ServiceTestInfra,
  agentOptions: AgentOptions = {},
): Promise<Harness> {
  const ownInfra =
    infra ?? (await createServiceTestInfra('self-healing-agent', ['service.#', 'selfhealing.#']));
  const checkout = makeCheckout(services);
  const logger = ownInfra.logger;
  const supervisor = new Supervisor(
    discoverServices(checkout.root, {}),
    {
      root: checkout.root,
      env: { PATH: process.env.PATH },
      logDir: join(checkout.root, 'var', 'log'),
      logMaxBytes: 1024 * 1024,
      logKeep: 2,
      baseBackoffMs: 100,
      maxBackoffMs: 400,
      stableAfterMs: 60_000,
      readinessIntervalMs: 100,
      stopTimeoutMs: 2000,
    },
    logger,
  );
  supervisor.start();
  const control: RunningServer = await listen(createControlApp(supervisor, TOKEN, logger), 0);
  mkdirSync(join(checkout.root, 'var', 'run'), { recursive: true });
  writeFileSync(join(checkout.root, 'var', 'run', 'supervisor.token'), TOKEN, { mode: 0o600 });
  const config = parseSelfHealingConfig({
    INTERNAL_SECRET,
    ARASUL_VAR: join(checkout.root, 'var'),
    SUPERVISOR_URL: `http://127.0.0.1:${control.port}`,
    SELF_HEALING_UNREADY_S: '5',
    SELF_HEALING_TICK_MS: '100',
    // Nothing answers here unless a test says so (never a platform that happens to run on this box).
    LLM_QUEUE_URL: 'http://127.0.0.1:1',
    METRICS_URL: 'http://127.0.0.1:1',
    ...env,
  });
  const db = ownInfra.database.db;
  const build = async (options: AgentOptions): Promise<{ agent: Agent; app: Express }> => {
    const health = new HealthRegistry('self-healing-agent');
    const runtime = new NativeRuntime({
      baseUrl: config.SUPERVISOR_URL ?? '',
      tokenFile: join(checkout.root, 'var', 'run', 'supervisor.token'),
      logger,
      reconnectMinMs: 50,
    });
    const agent = createAgent({
      config,
      logger,
      health,
      db,
      bus: ownInfra.bus,
      consumer: ownInfra.bus,
      runtime,
      ...(options.bootedAt ? { bootedAt: options.bootedAt } : {}),
      ...(options.metrics ? { metrics: options.metrics } : {}),
    });
    await agent.start();
    return { agent, app: createApp({ config, logger, health, db, ...agent }) };
  };
  let current = await build(agentOptions);
  await eventually(
    () =>
      current.agent.healer.runtime.connected() && current.agent.healer.services().length === services.length,
    'the agent sees every service',
  );

  const harness: Harness = {
    infra: ownInfra,
    db,
    root: checkout.root,
    supervisor,
    get agent() {
      return current.agent;
    },
    get app() {
      return current.app;
    },
    restartAgent: async (options = agentOptions) => {
      await current.agent.stop();
      current = await build(options);
      await eventually(() => current.agent.healer.runtime.connected(), 'the new agent is connected');
    },
    pidOf: (name) => supervisor.status().services.find((s) => s.name === name)?.pid ?? -1,
    hang: async (name) => {
      const port = services.find((s) => s.name === name)?.port ?? 0;
      await fetch(`http://127.0.0.1:${port}/hang`, { method: 'POST' });
    },
    close: async () => {
      await current.agent.stop();
      await control.close(100);
      await supervisor.stop();
      checkout.remove();
      if (!infra) await ownInfra.close();
    },
  };
  return harness;
}

/** The rows of `self_healing_events` for a service, oldest first. */
export async function eventsOf(db: Kysely<Database>, service: string) {
  return db
    .selectFrom('self_healing_events')
    .selectAll()
    .where('service_name', '=', service)
    .orderBy('id')
    .execute();
}
