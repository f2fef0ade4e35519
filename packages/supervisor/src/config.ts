import { resolve } from 'node:path';
import { z } from 'zod';
import { env, loadConfigOrExit } from '@arasul/service-kit';

/** The supervisor's own settings (the services it starts parse theirs in their own config.ts). */
export const supervisorEnvSchema = z.object({
  ARASUL_ROOT: z.string().default(resolve(__dirname, '..', '..', '..')),
  /** Logs, pid and token files; `var/` in the checkout unless set (tests use a temp dir). */
  ARASUL_VAR: z.string().optional(),
  SUPERVISOR_PORT: env.port(8099),
  SUPERVISOR_LOG_MAX_BYTES: env.int(10 * 1024 * 1024, 64 * 1024),
  SUPERVISOR_LOG_FILES: env.int(3, 1, 20),
  SUPERVISOR_STOP_TIMEOUT_MS: env.int(15_000, 500, 120_000),
  LOG_LEVEL: env.logLevel(),
  LOG_FORMAT: env.logFormat(),
});

export function loadSupervisorConfig(): Readonly<z.output<typeof supervisorEnvSchema>> {
  return loadConfigOrExit(supervisorEnvSchema);
}

/** The process environment, for a command-line entry point that hands it on (the one place it is read). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}
