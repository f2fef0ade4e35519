import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { ADMIN_URL, cleanupRedisPrefix } from '@arasul/testkit';

/**
 * The operator's view of native mode, end to end: `scripts/arasul start` on this checkout brings up every
 * built service under the supervisor against scratch databases, `status` reports it, a second `start`
 * changes nothing, `stop` leaves no process behind. Serial: it starts real processes on fixed ports.
 */
const ROOT = resolve(__dirname, '..');
const suffix = randomBytes(4).toString('hex');
const varDir = mkdtempSync(join(tmpdir(), 'arasul-cli-'));
const basePort = 28_100;

interface Manifest {
  name: string;
  portEnv: string;
  port: number;
}

function manifests(): Manifest[] {
  const dir = join(ROOT, 'services');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => existsSync(join(dir, name, 'package.json')))
    .map((name) => ({
      name,
      pkg: JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as {
        arasul?: { port: { env: string } };
      },
    }))
    .filter((m) => m.pkg.arasul !== undefined)
    .map((m, i) => ({ name: m.name, portEnv: m.pkg.arasul!.port.env, port: basePort + 1 + i }));
}

const services = manifests();
const env: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  ARASUL_VAR: varDir,
  ARASUL_START_TIMEOUT_S: '120',
  SUPERVISOR_PORT: String(basePort),
  POSTGRES_DB: `arasul_t_${process.pid}_cli_${suffix}`,
  DATA_DB_NAME: `arasul_t_${process.pid}_clidata_${suffix}`,
  REDIS_KEY_PREFIX: `t:cli:${suffix}:`,
  LOG_LEVEL: 'warn',
  ...Object.fromEntries(services.map((s) => [s.portEnv, String(s.port)])),
};
const gatewayPort = services.find((s) => s.name === 'gateway')?.port;
if (gatewayPort) env.GATEWAY_PORT = String(gatewayPort);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function arasul(...args: string[]): Promise<Run> {
  return arasulWithInput('', ...args);
}

/** Runs the CLI with `input` on its standard input (e.g. a new password). */
function arasulWithInput(input: string, ...args: string[]): Promise<Run> {
  return new Promise((done) => {
    const child = execFile(
      'bash',
      [join(ROOT, 'scripts', 'arasul'), ...args],
      { cwd: ROOT, env, timeout: 240_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
    child.stdin?.end(input);
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

interface SupervisorStatusBody {
  pid: number;
  node: string;
  services: { name: string; pid: number | null; ready: boolean; readiness: unknown }[];
}

async function supervisorStatus(): Promise<SupervisorStatusBody> {
  const response = await fetch(`http://127.0.0.1:${basePort}/status`);
  return (await response.json()) as SupervisorStatusBody;
}

/** The Node.js LTS the platform is pinned to (one place: .node-version). */
const PINNED_NODE = `v${readFileSync(join(ROOT, '.node-version'), 'utf8').trim()}`;

describe('scripts/arasul (native mode)', () => {
  jest.setTimeout(300_000);

  afterAll(async () => {
    await arasul('stop');
    rmSync(varDir, { recursive: true, force: true });
    await cleanupRedisPrefix(env.REDIS_KEY_PREFIX!);
    const admin = new Kysely<unknown>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ADMIN_URL, max: 1 }) }),
    });
    for (const db of [env.POSTGRES_DB!, env.DATA_DB_NAME!])
      await sql`DROP DATABASE IF EXISTS ${sql.id(db)} WITH (FORCE)`.execute(admin);
    await admin.destroy();
  });

  let supervisorPid = 0;
  let servicePids: number[] = [];

  it('start migrates, starts every service and waits until each one is ready', async () => {
    const run = await arasul('start');
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(run.stdout).toMatch(/Arasul is ready after \d+ s: http:\/\/127\.0\.0\.1:/);

    const status = await supervisorStatus();
    expect(status.services.map((s) => s.name).sort()).toEqual(services.map((s) => s.name).sort());
    expect(status.services.every((s) => s.ready)).toBe(true);
    supervisorPid = status.pid;
    servicePids = status.services.map((s) => s.pid ?? -1);
    expect(existsSync(join(varDir, 'secrets', 'jwt_secret'))).toBe(true);
  });

  it('status lists each service as ready and each dependency as up', async () => {
    const run = await arasul('status');
    expect(run.code).toBe(0);
    for (const s of services)
      expect(run.stdout).toMatch(new RegExp(`^${s.name}\\s+running\\s+\\d+\\s+${s.port}\\s+.*yes$`, 'm'));
    for (const dep of ['postgres', 'redis', 'rabbitmq'])
      expect(run.stdout).toMatch(new RegExp(`^${dep}\\s+.*up \\(\\d+ ms\\)`, 'm'));
  });

  it('every service runs on the pinned Node.js LTS, and status says so', async () => {
    const status = await supervisorStatus();
    expect(status.node).toBe(PINNED_NODE);
    const reported = status.services.map((s) => ({
      name: s.name,
      node: (s.readiness as { runtime?: { node?: string } } | null)?.runtime?.node,
    }));
    expect(reported).toHaveLength(services.length);
    expect(reported).toEqual(reported.map((r) => ({ name: r.name, node: PINNED_NODE })));
    const run = await arasul('status');
    expect(run.stdout).toContain(`on Node.js ${PINNED_NODE}`);
    for (const s of services)
      expect(run.stdout).toMatch(
        new RegExp(`^${s.name}\\s+running\\s+\\d+\\s+${s.port}\\s+${PINNED_NODE}\\s`, 'm'),
      );
  });

  it('a second start leaves the running platform alone', async () => {
    const run = await arasul('start');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Arasul is already running (supervisor pid ${supervisorPid})`);
    const status = await supervisorStatus();
    expect(status.services.map((s) => s.pid ?? -1)).toEqual(servicePids);
  });

  it('the gateway answers on its port when it is part of the build', async () => {
    if (!gatewayPort) {
      expect(services.find((s) => s.name === 'gateway')).toBeUndefined();
      return;
    }
    const response = await fetch(`http://127.0.0.1:${gatewayPort}/api/health`);
    expect(response.status).toBe(200);
  });

  it('reset-password gives a locked-out admin a way back in', async () => {
    if (!gatewayPort || !services.some((s) => s.name === 'auth')) return;
    const api = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${gatewayPort}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await api('/api/auth/setup', { username: 'chef', password: 'first-password-1' })).status).toBe(
      201,
    );

    const reset = await arasulWithInput('second-password-2\n', 'reset-password', 'chef');
    expect({ code: reset.code, stderr: reset.stderr }).toEqual({ code: 0, stderr: '' });
    expect(reset.stdout).toContain('Password of "chef" reset');
    expect((await api('/api/auth/login', { username: 'chef', password: 'first-password-1' })).status).toBe(
      401,
    );
    expect((await api('/api/auth/login', { username: 'chef', password: 'second-password-2' })).status).toBe(
      200,
    );

    const unknown = await arasulWithInput('third-password-3\n', 'reset-password', 'nobody');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/reset-password: /);
  });

  it('logs shows a service log and refuses an unknown service with a reason', async () => {
    const unknown = await arasul('logs', 'no-such-service');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/no log for 'no-such-service'/);
    const bad = await arasul('logs', '../etc/passwd');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a service name/);
  });

  it('stop ends the supervisor and every service, and status then says it is not running', async () => {
    const run = await arasul('stop');
    expect(run.code).toBe(0);
    expect(alive(supervisorPid)).toBe(false);
    for (const pid of servicePids) expect(alive(pid)).toBe(false);

    const status = await arasul('status');
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('Arasul is not running');
    expect((await arasul('stop')).stdout).toContain('Arasul is not running');
  });
});
