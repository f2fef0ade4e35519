import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { trustProxySchema } from './security/trust-proxy';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Resolves `NAME_FILE` secrets: when `NAME` is unset and `NAME_FILE` names a readable file, its trimmed
 * content becomes `NAME` (docker secrets). Setting both is a mistake we refuse rather than guess about.
 */
function resolveFileSecrets(keys: string[], env: Env, problems: string[]): Env {
  const resolved: Env = { ...env };
  for (const key of keys) {
    const file = env[`${key}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[key] !== undefined && env[key] !== '') {
      problems.push(`${key}: set either ${key} or ${key}_FILE, not both`);
      continue;
    }
    try {
      resolved[key] = readFileSync(file, 'utf8').trim();
    } catch (error) {
      problems.push(`${key}_FILE: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return resolved;
}

/**
 * Parses the environment once against a zod object schema whose keys are the variable names. Every bad
 * variable is reported at once; the result is frozen so nobody mutates configuration at run time.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: Env = process.env): Readonly<z.output<S>> {
  const problems: string[] = [];
  const resolved = resolveFileSecrets(Object.keys(schema.shape), env, problems);
  // Empty strings mean "unset" so that `FOO=` in a compose file falls back to the default.
  const cleaned = Object.fromEntries(Object.entries(resolved).filter(([, v]) => v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(`${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
  }
  if (problems.length > 0 || !result.success) throw new ConfigError(problems);
  return Object.freeze(result.data);
}

/** For a service's main: print every problem in one go and exit non-zero, never start half-configured. */
export function loadConfigOrExit<S extends z.ZodObject>(
  schema: S,
  env: Env = process.env,
): Readonly<z.output<S>> {
  try {
    return loadConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

/** Reusable pieces of env schemas, so every service reads the same variable the same way. */
export const env = {
  port: (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback),
  int: (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
    z.coerce.number().int().min(min).max(max).default(fallback),
  bool: (fallback: boolean) => z.stringbool().default(fallback),
  url: () => z.url(),
  logLevel: () => z.enum(['error', 'warn', 'info', 'http', 'debug']).default('info'),
  logFormat: () => z.enum(['json', 'pretty']).default('json'),
  nodeEnv: () => z.enum(['production', 'development', 'test']).default('production'),
  /** `TRUST_PROXY`: configured proxy addresses only, nobody by default (security/trust-proxy.ts). */
  trustProxy: () => trustProxySchema,
};

/** Connection settings every service shares. Names follow the seed's PostgreSQL service page. */
export const commonEnvShape = {
  NODE_ENV: env.nodeEnv(),
  LOG_LEVEL: env.logLevel(),
  LOG_FORMAT: env.logFormat(),
  POSTGRES_HOST: z.string().default('127.0.0.1'),
  POSTGRES_PORT: env.port(5432),
  POSTGRES_USER: z.string().default('arasul'),
  POSTGRES_PASSWORD: z.string().default(''),
  POSTGRES_DB: z.string().default('arasul_db'),
  POSTGRES_POOL_MAX: env.int(10, 1, 100),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('arasul:'),
  RABBITMQ_URL: z.string().default('amqp://guest:guest@127.0.0.1:5672'),
  SHUTDOWN_TIMEOUT_MS: env.int(10_000, 100, 120_000),
};

/** Builds a postgres:// URL from the seed's discrete variables, escaping user and password. */
export function postgresUrl(c: {
  POSTGRES_HOST: string;
  POSTGRES_PORT: number;
  POSTGRES_USER: string;
  POSTGRES_PASSWORD: string;
  POSTGRES_DB: string;
}): string {
  const auth = c.POSTGRES_PASSWORD
    ? `${encodeURIComponent(c.POSTGRES_USER)}:${encodeURIComponent(c.POSTGRES_PASSWORD)}`
    : encodeURIComponent(c.POSTGRES_USER);
  return `postgres://${auth}@${c.POSTGRES_HOST}:${c.POSTGRES_PORT}/${encodeURIComponent(c.POSTGRES_DB)}`;
}
