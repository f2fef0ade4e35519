import type { Readable, Writable } from 'node:stream';
import { createDb, createPool } from '@arasul/db';
import { type Env, AppError, ConfigError, createLogger, createRedis, postgresUrl } from '@arasul/service-kit';
import { createServices } from '../app';
import { parseAuthConfig, processEnvironment } from '../config';

/**
 * `node services/auth/dist/cli/reset-password.js <username>` — the way back in for a locked-out admin
 * (`scripts/arasul reset-password <username>` wraps it). Reads the new password from stdin (the first
 * line; typed without echo on a terminal), applies the password policy, lifts any lockout, ends every
 * session of the user and writes an `auth.password.reset` audit row. Uses the auth service's configuration
 * (same variables and *_FILE secrets). Exit 0 on success, 1 with a one-line reason otherwise, 2 on misuse.
 */

export interface CliIo {
  stdin: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable;
  stderr: Writable;
}

const USAGE = 'usage: reset-password <username>   (the new password is read from stdin)\n';
const MAX_INPUT = 8192;

export async function runResetPassword(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  const username = argv[0];
  if (argv.length !== 1 || !username || username.startsWith('-')) {
    io.stderr.write(USAGE);
    return 2;
  }
  let config;
  try {
    config = parseAuthConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr.write(`reset-password: ${error.problems.join('; ')}\n`);
      return 1;
    }
    throw error;
  }

  const password = io.stdin.isTTY ? await readHidden(io, 'New password: ') : await readFirstLine(io.stdin);
  if (!password) {
    io.stderr.write('reset-password: no password on stdin\n');
    return 1;
  }

  const logger = createLogger({ service: 'auth-cli', level: 'error', format: 'pretty' });
  const db = createDb(
    createPool({ connectionString: postgresUrl(config), max: 2, application_name: 'arasul-auth-cli' }),
  );
  const redis = createRedis({
    url: config.REDIS_URL,
    keyPrefix: config.REDIS_KEY_PREFIX,
    logger,
    connectTimeoutMs: 1000,
  });
  redis.on('error', () => undefined);
  try {
    // No AMQP here: a password reset publishes no bus events, only Redis revocations (best effort).
    const services = createServices({
      config,
      logger,
      db,
      redis,
      bus: { publish: () => Promise.resolve() },
    });
    const user = await services.users.resetPassword(username, password, 'cli');
    io.stdout.write(`Password of "${user.username}" reset; every session ended and any lockout lifted.\n`);
    return 0;
  } catch (error) {
    const reason =
      error instanceof AppError ? error.message : error instanceof Error ? error.message : String(error);
    io.stderr.write(`reset-password: ${reason}\n`);
    return 1;
  } finally {
    redis.disconnect();
    await db.destroy();
  }
}

async function readFirstLine(stream: Readable): Promise<string> {
  let data = '';
  for await (const chunk of stream) {
    data += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    if (data.includes('\n') || data.length > MAX_INPUT) break;
  }
  return (data.split(/\r?\n/)[0] ?? '').slice(0, MAX_INPUT);
}

/** Reads one line from a terminal without echoing it. */
function readHidden(io: CliIo, prompt: string): Promise<string> {
  io.stderr.write(prompt);
  return new Promise((resolve) => {
    let value = '';
    io.stdin.setRawMode?.(true);
    io.stdin.setEncoding('utf8');
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n' || char === '\u0004') {
          finish(value);
          return;
        }
        if (char === '\u0003') {
          finish('');
          return;
        }
        if (char === '\u007f' || char === '\b') value = value.slice(0, -1);
        else if (value.length < MAX_INPUT) value += char;
      }
    };
    const finish = (result: string) => {
      io.stdin.off('data', onData);
      io.stdin.setRawMode?.(false);
      io.stdin.pause();
      io.stderr.write('\n');
      resolve(result);
    };
    io.stdin.on('data', onData);
    io.stdin.resume();
  });
}

if (require.main === module) {
  runResetPassword(process.argv.slice(2), processEnvironment(), {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
  }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`reset-password: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
