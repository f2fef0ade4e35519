import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Role and database names are pasted into DDL (as quoted identifiers), so only plain lower-case names pass. */
export const IDENTIFIER_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** One database and the role that owns it and runs its migrations. */
export interface DatabaseTarget {
  database: string;
  user: string;
  /** undefined: the role gets no password (trust/peer auth, development). */
  password: string | undefined;
}

export interface ProvisionConfig {
  /** Superuser connection used to create roles and databases. */
  adminUrl: string;
  host: string;
  port: number;
  main: DatabaseTarget;
  data: DatabaseTarget;
}

/** Every problem with the environment at once, so the operator fixes them in one go. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly issues: string[]) {
    super(`invalid environment: ${issues.join('; ')}`);
  }
}

const identifier = z.string().regex(IDENTIFIER_PATTERN, `must match ${IDENTIFIER_PATTERN.source}`);
// Postgres cannot store a NUL byte, and a password that long is a pasted file, not a password.
const password = z
  .string()
  .max(1024, 'must be at most 1024 characters')
  .refine((value) => !value.includes('\0'), 'must not contain a NUL character');

const envSchema = z.object({
  POSTGRES_HOST: z.string().default('127.0.0.1'),
  POSTGRES_PORT: z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a port number')
    .min(1, 'must be 1-65535')
    .max(65535, 'must be 1-65535')
    .default(5432),
  POSTGRES_USER: identifier.default('arasul'),
  POSTGRES_PASSWORD: password.optional(),
  POSTGRES_PASSWORD_FILE: z.string().optional(),
  POSTGRES_DB: identifier.default('arasul_db'),
  DATA_DB_NAME: identifier.default('arasul_data_db'),
  DATA_DB_USER: identifier.default('arasul_data'),
  DATA_DB_PASSWORD: password.optional(),
  DATA_DB_PASSWORD_FILE: z.string().optional(),
  POSTGRES_ADMIN_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/postgres'),
});

type Env = Record<string, string | undefined>;

/**
 * Reads the provisioning settings from the environment (seed 002 names). Empty variables count as unset,
 * as compose files often pass them empty. Throws ConfigError listing every bad variable.
 */
export function loadProvisionConfig(env: Env = process.env): ProvisionConfig {
  const relevant = Object.fromEntries(
    Object.keys(envSchema.shape).map((key) => [key, env[key] === '' ? undefined : env[key]]),
  );
  const parsed = envSchema.safeParse(relevant);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const vars = parsed.data;
  const issues: string[] = [];

  const mainPassword = resolveSecret(
    'POSTGRES_PASSWORD',
    vars.POSTGRES_PASSWORD,
    vars.POSTGRES_PASSWORD_FILE,
    issues,
  );
  const dataPassword = resolveSecret(
    'DATA_DB_PASSWORD',
    vars.DATA_DB_PASSWORD,
    vars.DATA_DB_PASSWORD_FILE,
    issues,
  );

  if (vars.POSTGRES_DB === vars.DATA_DB_NAME) {
    issues.push(`DATA_DB_NAME: must differ from POSTGRES_DB (both are ${vars.POSTGRES_DB})`);
  }
  if (vars.POSTGRES_USER === vars.DATA_DB_USER && mainPassword !== dataPassword) {
    issues.push(`DATA_DB_PASSWORD: role ${vars.DATA_DB_USER} is also POSTGRES_USER but the passwords differ`);
  }
  if (issues.length > 0) throw new ConfigError(issues);

  return Object.freeze({
    adminUrl: vars.POSTGRES_ADMIN_URL,
    host: vars.POSTGRES_HOST,
    port: vars.POSTGRES_PORT,
    main: Object.freeze({ database: vars.POSTGRES_DB, user: vars.POSTGRES_USER, password: mainPassword }),
    data: Object.freeze({ database: vars.DATA_DB_NAME, user: vars.DATA_DB_USER, password: dataPassword }),
  });
}

/** NAME or NAME_FILE (a mounted secret), never both. A trailing newline in the file is not part of it. */
function resolveSecret(
  name: string,
  value: string | undefined,
  file: string | undefined,
  issues: string[],
): string | undefined {
  if (file === undefined) return value;
  if (value !== undefined) {
    issues.push(`${name}: set either ${name} or ${name}_FILE, not both`);
    return undefined;
  }
  let content: string;
  try {
    content = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    issues.push(`${name}_FILE: cannot read ${file} (${code})`);
    return undefined;
  }
  const checked = password.safeParse(content);
  if (!checked.success) {
    issues.push(`${name}_FILE: ${checked.error.issues[0]?.message ?? 'invalid password'}`);
    return undefined;
  }
  return content === '' ? undefined : content;
}

/** The process environment, for a command-line entry point that hands it on (the one place it is read). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
