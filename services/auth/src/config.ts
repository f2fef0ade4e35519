import { z } from 'zod';
import { type Env, commonEnvShape, env, loadConfig, loadConfigOrExit } from '@arasul/service-kit';

const secret = (name: string) => z.string().min(32, `${name} must be at least 32 characters`);

export const authEnvSchema = z.object({
  ...commonEnvShape,
  AUTH_PORT: env.port(8081),
  AUTH_HOST: z.string().default('127.0.0.1'),
  JWT_SECRET: secret('JWT_SECRET'),
  INTERNAL_SECRET: secret('INTERNAL_SECRET'),
  /** Without it the n8n webhook answers 503 webhooks_not_configured. */
  N8N_WEBHOOK_SECRET: z.string().min(16, 'N8N_WEBHOOK_SECRET must be at least 16 characters').optional(),
  ACCESS_TOKEN_TTL_SECONDS: env.int(900, 1, 3600),
  SESSION_IDLE_TIMEOUT_SECONDS: env.int(7200, 1, 30 * 24 * 3600),
  SESSION_ABSOLUTE_TIMEOUT_SECONDS: env.int(43_200, 1, 90 * 24 * 3600),
  API_KEY_ROTATION_GRACE_SECONDS: env.int(86_400, 0, 30 * 24 * 3600),
  LOGIN_IP_MAX_FAILURES: env.int(5, 1, 1000),
  LOGIN_IP_WINDOW_SECONDS: env.int(900, 1, 86_400),
  LOGIN_IP_LOCK_SECONDS: env.int(900, 1, 86_400),
  LOGIN_ACCOUNT_MAX_FAILURES: env.int(20, 1, 10_000),
  LOGIN_ACCOUNT_WINDOW_SECONDS: env.int(3600, 1, 7 * 86_400),
  LOGIN_ACCOUNT_LOCK_SECONDS: env.int(900, 1, 7 * 86_400),
  /** Secure cookies need HTTPS; native mode serves plain HTTP on the LAN, so the default is off. */
  COOKIE_SECURE: env.bool(false),
  TRUST_PROXY: env.trustProxy(),
  /** argon2 hashes running at once (each takes one libuv thread and ~19 MiB); the rest wait in a queue. */
  ARGON2_CONCURRENCY: env.int(1, 1, 16),
  /** Hash requests allowed to wait; beyond that login answers 503 auth_busy at once. */
  ARGON2_MAX_QUEUE: env.int(32, 0, 10_000),
  /** Longest wait for a hash slot before giving up with 503 auth_busy. */
  ARGON2_MAX_WAIT_MS: env.int(5000, 10, 60_000),
  WEBHOOK_MAX_SKEW_SECONDS: env.int(300, 1, 3600),
  WEBHOOK_REPLAY_TTL_SECONDS: env.int(600, 1, 86_400),
  RETENTION_INTERVAL_SECONDS: env.int(3600, 1, 86_400),
  LOGIN_ATTEMPTS_RETENTION_DAYS: env.int(30, 1, 3650),
});

export type AuthConfig = Readonly<z.output<typeof authEnvSchema>>;

/** Throws `ConfigError` listing every bad variable (tests use this). */
export function parseAuthConfig(source: Env): AuthConfig {
  return loadConfig(authEnvSchema, source);
}

/** For main: print every bad variable and exit non-zero. */
export function loadAuthConfig(source: Env = process.env): AuthConfig {
  return loadConfigOrExit(authEnvSchema, source);
}

/** The process environment, for a command-line entry point that hands it on (the one place it is read). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
