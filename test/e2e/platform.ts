import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ADMIN_URL, cleanupRedisPrefix } from '@arasul/testkit';

/**
 * The platform started natively by `scripts/arasul start` on scratch databases, a scratch Redis prefix,
 * a scratch var/ directory and fixed ports from `basePort` up (like test/arasul-cli.serial.int.test.ts).
 */
export const ROOT = resolve(__dirname, '..', '..');

/** Where a service is reached when its manifest does not say (`urlEnv`); explicit values win over the supervisor. */
const URL_ENV: Record<string, string> = {
  auth: 'AUTH_URL',
  'llm-queue': 'LLM_QUEUE_URL',
  'metrics-collector': 'METRICS_URL',
  'document-indexer': 'DOCUMENT_INDEXER_URL',
  'self-healing-agent': 'SELF_HEALING_URL',
  'telegram-notifier': 'TELEGRAM_NOTIFIER_URL',
  'update-manager': 'UPDATE_MANAGER_URL',
  datentabellen: 'DATENTABELLEN_URL',
};

interface Manifest {
  name: string;
  portEnv: string;
  port: number;
}

function manifests(basePort: number): Manifest[] {
  const dir = join(ROOT, 'services');
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

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export class ScratchPlatform {
  readonly env: NodeJS.ProcessEnv;
  readonly gatewayUrl: string;
  private readonly varDir: string;

  constructor(basePort: number, extraEnv: Record<string, string>) {
    const suffix = randomBytes(4).toString('hex');
    this.varDir = mkdtempSync(join(tmpdir(), 'arasul-e2e-'));
    const services = manifests(basePort);
    const gateway = services.find((s) => s.name === 'gateway');
    if (!gateway) throw new Error('services/gateway is missing: the dashboard is served by it');
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ARASUL_VAR: this.varDir,
      ARASUL_START_TIMEOUT_S: '120',
      SUPERVISOR_PORT: String(basePort),
      POSTGRES_DB: `arasul_t_${process.pid}_e2e_${suffix}`,
      DATA_DB_NAME: `arasul_t_${process.pid}_e2edata_${suffix}`,
      REDIS_KEY_PREFIX: `t:e2e:${suffix}:`,
      LOG_LEVEL: 'warn',
      GATEWAY_PORT: String(gateway.port),
      ...Object.fromEntries(services.map((s) => [s.portEnv, String(s.port)])),
      ...Object.fromEntries(
        services.filter((s) => URL_ENV[s.name]).map((s) => [URL_ENV[s.name], `http://127.0.0.1:${s.port}`]),
      ),
      ...extraEnv,
    };
    this.gatewayUrl = `http://127.0.0.1:${gateway.port}`;
  }

  arasul(...args: string[]): Promise<Run> {
    return new Promise((done) => {
      execFile(
        'bash',
        [join(ROOT, 'scripts', 'arasul'), ...args],
        { cwd: ROOT, env: this.env, timeout: 300_000, maxBuffer: 16 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
          done({ code, stdout, stderr });
        },
      );
    });
  }

  /** A service's log (for failure messages). */
  log(service: string): string {
    const file = join(this.varDir, 'log', `${service}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8').slice(-4000) : '';
  }

  async destroy(): Promise<void> {
    await this.arasul('stop');
    rmSync(this.varDir, { recursive: true, force: true });
    await cleanupRedisPrefix(this.env.REDIS_KEY_PREFIX!);
    // psql (installed with the servers) rather than a driver: the names are ours, [a-z0-9_] only.
    for (const db of [this.env.POSTGRES_DB!, this.env.DATA_DB_NAME!]) {
      if (!/^[a-z0-9_]+$/.test(db)) throw new Error(`unexpected database name ${db}`);
      await new Promise<void>((done) => {
        execFile('psql', [ADMIN_URL, '-qc', `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`], () => done());
      });
    }
  }
}
