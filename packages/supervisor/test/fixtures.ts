import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testPortFor } from '@arasul/testkit';

/**
 * A throw-away checkout with real (tiny) services: each is a node HTTP server with `/health/ready`, so the
 * supervisor is tested against real processes, ports and signals.
 */
export interface FakeService {
  name: string;
  port: number;
  /** Behaviour switches read by the fake at start. */
  env?: Record<string, string>;
  startOrder?: number;
  urlEnv?: string;
  nodeFlags?: string[];
}

const FAKE_MAIN = `
const http = require('node:http');
const port = Number(process.env[process.env.FAKE_PORT_ENV]);
let ready = process.env.FAKE_READY !== 'false';
console.log('fake service starting on ' + port);
if (process.env.FAKE_EXIT_AFTER_MS) setTimeout(() => process.exit(3), Number(process.env.FAKE_EXIT_AFTER_MS));
const server = http.createServer((req, res) => {
  if (req.url === '/health/ready') {
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: ready ? 'ready' : 'unready', checks: ready ? {} : { postgres: { status: 'down', error: 'connection refused' } } }));
    return;
  }
  res.writeHead(404); res.end();
});
server.listen(port, '127.0.0.1');
process.on('SIGTERM', () => {
  if (process.env.FAKE_IGNORE_SIGTERM === 'true') { console.log('ignoring SIGTERM'); return; }
  console.log('got SIGTERM'); server.close(() => process.exit(0));
});
`;

export function makeCheckout(services: FakeService[]): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'arasul-sup-'));
  for (const s of services) {
    const dir = join(root, 'services', s.name);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    const portEnv = `${s.name.toUpperCase().replace(/-/g, '_')}_PORT`;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({
        name: s.name,
        arasul: {
          port: { env: portEnv, default: s.port },
          startOrder: s.startOrder ?? 50,
          ...(s.urlEnv ? { urlEnv: s.urlEnv } : {}),
          ...(s.nodeFlags ? { nodeFlags: s.nodeFlags } : {}),
        },
      }),
    );
    const envLines = Object.entries({ FAKE_PORT_ENV: portEnv, ...s.env })
      .map(([k, v]) => `process.env[${JSON.stringify(k)}] ??= ${JSON.stringify(v)};`)
      .join('\n');
    writeFileSync(join(dir, 'dist', 'main.js'), `${envLines}\n${FAKE_MAIN}`);
  }
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/** Polls until `predicate` holds or fails the test with `what`. */
export async function eventually(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A port per test file (see testkit's TEST_PORT_RANGES: below the ephemeral range, apart from other areas'). */
export function testPort(offset: number): number {
  return testPortFor('supervisor', offset);
}
