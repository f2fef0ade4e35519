import { format } from 'node:util';
import { processEnvironment } from './config';
import { checkDependencies } from './dependencies';
import type { ProcessStatus } from './managed-process';
import type { SupervisorStatus } from './supervisor';

/** A CLI talks to a person: plain lines on stdout, problems on stderr (no logger formatting). */
function say(...parts: unknown[]): void {
  process.stdout.write(`${format(...parts)}\n`);
}
function complain(...parts: unknown[]): void {
  process.stderr.write(`${format(...parts)}\n`);
}

/**
 * `scripts/arasul status` and `start`'s wait: talks to the running supervisor's loopback API and checks
 * the servers the platform depends on. Output is for a person; the exit code is for scripts.
 */
const port = Number(processEnvironment().SUPERVISOR_PORT ?? 8099);

async function fetchStatus(): Promise<SupervisorStatus | undefined> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/status`, { signal: AbortSignal.timeout(2000) });
    return response.ok ? ((await response.json()) as SupervisorStatus) : undefined;
  } catch {
    return undefined;
  }
}

function duration(seconds: number | null): string {
  if (seconds === null) return '-';
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${seconds % 60}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d${Math.floor((seconds % 86400) / 3600)}h`;
}

/** Services report an embedded stand-in in a readiness check's `info.fallback` (ARCHITECTURE §4). */
function fallbacksOf(service: ProcessStatus): string[] {
  const checks = (service.readiness as { checks?: Record<string, { info?: { fallback?: unknown } }> } | null)
    ?.checks;
  if (!checks) return [];
  return Object.entries(checks)
    .filter(([, c]) => typeof c.info?.fallback === 'string')
    .map(([name, c]) => `${service.name}: ${name} → ${String(c.info?.fallback)}`);
}

/** The Node.js version the service reported in its readiness answer ('-' before its first answer). */
function nodeOf(service: ProcessStatus): string {
  const runtime = (service.readiness as { runtime?: { node?: unknown } } | null)?.runtime;
  return typeof runtime?.node === 'string' ? runtime.node : '-';
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function status(): Promise<number> {
  const [supervisor, dependencies] = await Promise.all([
    fetchStatus(),
    checkDependencies(processEnvironment()),
  ]);
  let healthy = true;
  if (!supervisor) {
    say('Arasul is not running (no supervisor answers on 127.0.0.1:%d).', port);
    healthy = false;
  } else {
    say(
      `Arasul: supervisor pid ${supervisor.pid} on Node.js ${supervisor.node}, since ${supervisor.startedAt}\n`,
    );
    const rows = [['SERVICE', 'STATE', 'PID', 'PORT', 'NODE', 'UPTIME', 'RESTARTS', 'READY']];
    for (const s of supervisor.services) {
      rows.push([
        s.name,
        s.state,
        String(s.pid ?? '-'),
        String(s.port),
        nodeOf(s),
        duration(s.uptimeSeconds),
        String(s.restarts),
        s.ready ? 'yes' : `no: ${s.notReadyReason ?? 'unknown'}`,
      ]);
    }
    say(supervisor.services.length > 0 ? table(rows) : '(no services are built yet)');
    healthy = supervisor.allReady;
  }

  say('');
  const depRows = [['DEPENDENCY', 'TARGET', 'STATE']];
  for (const d of dependencies) {
    depRows.push([d.name, d.target, d.up ? `up (${d.latencyMs} ms)` : `DOWN: ${d.error ?? 'unreachable'}`]);
    if (!d.up) healthy = false;
  }
  say(table(depRows));

  const fallbacks = supervisor?.services.flatMap(fallbacksOf) ?? [];
  say(`\nEmbedded fallbacks in use: ${fallbacks.length === 0 ? 'none' : ''}`);
  for (const f of fallbacks) say(`  - ${f}`);
  return healthy ? 0 : 1;
}

async function waitReady(timeoutSeconds: number): Promise<number> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let last: SupervisorStatus | undefined;
  while (Date.now() < deadline) {
    last = await fetchStatus();
    if (last?.allReady) return 0;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (!last) {
    complain(`The supervisor did not answer within ${timeoutSeconds} s (see var/log/supervisor.log).`);
  } else {
    for (const s of last.services.filter((x) => !x.ready)) {
      complain(`${s.name} is not ready: ${s.notReadyReason ?? 'unknown'}`);
    }
  }
  return 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'status') return status();
  if (command === 'wait-ready') {
    const index = rest.indexOf('--timeout');
    const timeout = index >= 0 ? Number(rest[index + 1]) : 60;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      complain('--timeout takes a number of seconds');
      return 2;
    }
    return waitReady(timeout);
  }
  complain('usage: cli.js status | wait-ready [--timeout SECONDS]');
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    complain(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
