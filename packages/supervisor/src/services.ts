import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/** What a service declares about itself in its package.json under `"arasul"`. */
const serviceManifest = z.object({
  port: z.object({ env: z.string().regex(/^[A-Z][A-Z0-9_]*$/), default: z.number().int().min(1).max(65535) }),
  /** The variable through which other services find this one (e.g. the gateway's `AUTH_URL`). */
  urlEnv: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]*$/)
    .optional(),
  /** Lower starts first (the gateway last, so it finds its upstreams). */
  startOrder: z.number().int().default(50),
  /** V8 memory flags the service is started with (e.g. a smaller young generation for a small resident set):
   * sizes, `--optimize-for-size`, and `--disable-optimizing-compilers` (interpreter and baseline code only,
   * for services that idle); never flags that load code (`--require`, `--import`). */
  nodeFlags: z
    .array(
      z
        .string()
        .regex(
          /^--((max-semi-space-size|max-old-space-size|v8-pool-size)=\d{1,5}|optimize-for-size|disable-optimizing-compilers)$/,
          'a V8 memory flag with a size, --optimize-for-size or --disable-optimizing-compilers',
        ),
    )
    .max(8)
    .default([]),
});

export interface ServiceDefinition {
  name: string;
  dir: string;
  entry: string;
  port: number;
  portEnv: string;
  urlEnv?: string;
  startOrder: number;
  /** Extra flags for `node` (manifest `nodeFlags`), placed before the entry point. */
  nodeFlags: string[];
  /** Variables only this service gets (over the shared environment). */
  env?: Record<string, string>;
}

/**
 * Every directory under services/ whose package.json has an `arasul` block and whose build exists is a
 * service the native runner starts. The port comes from its env variable when set.
 */
export function discoverServices(root: string, env: NodeJS.ProcessEnv): ServiceDefinition[] {
  const servicesDir = join(root, 'services');
  if (!existsSync(servicesDir)) return [];
  const found: ServiceDefinition[] = [];
  for (const name of readdirSync(servicesDir).sort()) {
    const pkgPath = join(servicesDir, name, 'package.json');
    if (!existsSync(pkgPath)) continue;
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { arasul?: unknown };
    if (pkg.arasul === undefined) continue;
    const manifest = serviceManifest.parse(pkg.arasul);
    const entry = join(servicesDir, name, 'dist', 'main.js');
    if (!existsSync(entry)) throw new Error(`service ${name} is not built (${entry} is missing)`);
    const fromEnv = env[manifest.port.env];
    const port = fromEnv ? Number(fromEnv) : manifest.port.default;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new Error(`${manifest.port.env}=${String(fromEnv)} is not a valid port`);
    }
    found.push({
      name,
      dir: join(servicesDir, name),
      entry,
      port,
      portEnv: manifest.port.env,
      ...(manifest.urlEnv ? { urlEnv: manifest.urlEnv } : {}),
      startOrder: manifest.startOrder,
      nodeFlags: manifest.nodeFlags,
    });
  }
  return found.sort((a, b) => a.startOrder - b.startOrder || a.name.localeCompare(b.name));
}

/**
 * In native mode every service runs on 127.0.0.1, so the supervisor tells each one where the others are:
 * `AUTH_URL=http://127.0.0.1:<auth's port>` and so on. A URL the operator set explicitly wins.
 */
export function serviceUrls(
  definitions: ServiceDefinition[],
  env: NodeJS.ProcessEnv,
): Record<string, string> {
  const urls: Record<string, string> = {};
  for (const d of definitions) {
    if (d.urlEnv && !env[d.urlEnv]) urls[d.urlEnv] = `http://127.0.0.1:${d.port}`;
  }
  return urls;
}

/**
 * Whose `X-Forwarded-For` each service believes in native mode. The gateway is the edge: it trusts nobody unless
 * the operator names a proxy in front of it (`GATEWAY_TRUST_PROXY`), so a client cannot invent its address. The
 * services behind it are reached through the gateway on loopback, so they trust loopback (`TRUST_PROXY` overrides):
 * auth's per-IP lockout then keys on the real client instead of on the gateway, which would lock out everybody.
 */
export function withTrustProxy(
  definitions: ServiceDefinition[],
  env: NodeJS.ProcessEnv,
): ServiceDefinition[] {
  return definitions.map((d) => ({
    ...d,
    env: {
      ...d.env,
      TRUST_PROXY:
        d.name === 'gateway' ? (env.GATEWAY_TRUST_PROXY ?? 'false') : (env.TRUST_PROXY ?? 'loopback'),
    },
  }));
}
