import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { commonEnvShape, env, loadConfig, loadConfigOrExit, type Env } from '@arasul/service-kit';
import { UPSTREAMS, type UpstreamName } from './routing/route-table';

const MiB = 1024 * 1024;

/** `a,b , c` → ['a', 'b', 'c']; each entry must be a bare origin (scheme://host[:port]). */
const originList = z
  .string()
  .default('')
  .transform((value) =>
    value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  )
  .pipe(
    z.array(
      z.string().refine((s) => {
        try {
          const url = new URL(s);
          return url.origin === s;
        } catch {
          return false;
        }
      }, 'must be a list of origins like http://192.168.1.20:8080 (no path, no trailing slash)'),
    ),
  );

const upstreamUrlShape = Object.fromEntries(
  Object.values(UPSTREAMS).map((u) => [u.env, z.url().default(`http://127.0.0.1:${u.defaultPort}`)]),
) as Record<(typeof UPSTREAMS)[UpstreamName]['env'], z.ZodDefault<z.ZodURL>>;

export const configSchema = z.object({
  ...commonEnvShape,
  GATEWAY_PORT: env.port(8080),
  /** Loopback unless told otherwise: a native start on a laptop should not open the API to the LAN by accident.
   * The appliance (docker compose) sets 0.0.0.0. */
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  /** Gateway processes sharing the port (node:cluster); 1 = a single process, no supervisor. */
  GATEWAY_WORKERS: env.int(1, 1, 32),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters'),
  INTERNAL_SECRET: z.string().min(32, 'must be at least 32 characters'),
  ...upstreamUrlShape,
  CORS_ORIGINS: originList,
  TRUST_PROXY: env.trustProxy(),
  RATE_LIMIT_USER_PER_MINUTE: env.int(300, 1),
  RATE_LIMIT_LOGIN_PER_MINUTE: env.int(10, 1),
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: env.int(120, 1),
  /** Open event streams (SSE) one user and their API keys may hold through the gateway; beyond → 429. */
  SSE_MAX_PER_USER: env.int(20, 1, 100_000),
  /** Used when auth reports no limit for a key (it always should). */
  RATE_LIMIT_API_KEY_DEFAULT_PER_MINUTE: env.int(60, 1),
  DASHBOARD_DIR: z.string().default(resolve(__dirname, '..', '..', 'dashboard', 'dist')),
  /** Where the platform's services live; a service whose folder is missing shows `not_installed` in /api/health
   * when nothing answers. When the folder itself is missing (a container), every service counts as installed. */
  SERVICES_DIR: z.string().default(resolve(__dirname, '..', '..')),
  UPLOAD_LIMIT_BYTES: env.int(50 * MiB, 1),
  BODY_LIMIT_BYTES: env.int(1 * MiB, 1),
  /** Idle time (no bytes either way) after which an upstream request is abandoned. Long for queued LLM streams. */
  UPSTREAM_IDLE_TIMEOUT_MS: env.int(300_000, 1000),
  AUDIT_ENABLED: env.bool(true),
  AUDIT_FLUSH_INTERVAL_MS: env.int(1000, 50, 60_000),
  AUDIT_BATCH_SIZE: env.int(1000, 1, 5000),
  AUDIT_BUFFER_MAX: env.int(50_000, 10, 1_000_000),
  AUDIT_RETENTION_DAYS: env.int(90, 1, 3650),
  REVOCATION_SYNC_INTERVAL_MS: env.int(5000, 100, 60_000),
});

export type GatewayConfig = Readonly<z.output<typeof configSchema>>;

export function loadGatewayConfig(source: Env = process.env): GatewayConfig {
  return loadConfig(configSchema, source);
}

export function loadGatewayConfigOrExit(source: Env = process.env): GatewayConfig {
  return loadConfigOrExit(configSchema, source);
}

export function upstreamUrl(config: GatewayConfig, name: UpstreamName): string {
  return config[UPSTREAMS[name].env];
}

/** The gateway's own version, shown by /api/health. Read from package.json (one level above src/ and dist/). */
export const GATEWAY_VERSION: string = z
  .object({ version: z.string() })
  .parse(JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8'))).version;
