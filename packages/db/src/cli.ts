#!/usr/bin/env node
import { format } from 'node:util';
/**
 * The one-shot migrate step: `node packages/db/dist/cli.js` (via `scripts/arasul migrate`).
 *   migrate (default)  create roles/databases when missing, apply pending migrations of both databases
 *   down --yes         revert every migration of both databases (developers only)
 * Exit codes: 0 done, 1 failed, 2 bad usage or environment. Failures print one line to stderr.
 */
import { ConfigError, loadProvisionConfig, processEnvironment } from './config';
import { describeError } from './describe-error';
import { provision, revertAllMigrations } from './provision';

/** A CLI talks to a person: plain lines on stdout, problems on stderr (no logger formatting). */
function say(...parts: unknown[]): void {
  process.stdout.write(`${format(...parts)}\n`);
}
function complain(...parts: unknown[]): void {
  process.stderr.write(`${format(...parts)}\n`);
}

const USAGE = 'usage: cli.js [migrate | down --yes]';

type Env = Record<string, string | undefined>;

export async function runCli(args: readonly string[], env: Env): Promise<number> {
  const [command = 'migrate', ...flags] = args;
  if (command !== 'migrate' && command !== 'down') return usageError(`unknown command "${command}"`);
  const unknownFlag = flags.find((flag) => !(command === 'down' && flag === '--yes'));
  if (unknownFlag !== undefined) return usageError(`unknown argument "${unknownFlag}"`);
  if (command === 'down' && !flags.includes('--yes')) {
    return usageError('down reverts every migration and loses all data; pass --yes to confirm');
  }

  let config;
  try {
    config = loadProvisionConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      complain(`${command}: ${error.message}`);
      return 2;
    }
    throw error;
  }

  try {
    if (command === 'migrate') {
      const report = await provision(config);
      for (const role of report.createdRoles) say(`created role ${role}`);
      for (const database of report.createdDatabases) say(`created database ${database}`);
      for (const name of report.applied.main) say(`applied ${config.main.database} ${name}`);
      for (const name of report.applied.data) say(`applied ${config.data.database} ${name}`);
      for (const warning of report.warnings) say(`warning: ${warning}`);
      const changes =
        report.createdRoles.length +
        report.createdDatabases.length +
        report.applied.main.length +
        report.applied.data.length;
      say(
        changes === 0
          ? `migrate: already up to date (${report.elapsedMs} ms)`
          : `migrate: ${report.applied.main.length} main + ${report.applied.data.length} data migrations applied in ${report.elapsedMs} ms`,
      );
    } else {
      const { reverted, elapsedMs } = await revertAllMigrations(config);
      for (const name of reverted.data) say(`reverted ${config.data.database} ${name}`);
      for (const name of reverted.main) say(`reverted ${config.main.database} ${name}`);
      say(
        `down: ${reverted.main.length} main + ${reverted.data.length} data migrations reverted in ${elapsedMs} ms`,
      );
    }
    return 0;
  } catch (error: unknown) {
    complain(`${command} failed: ${oneLine(describeError(error))}`);
    return 1;
  }
}

function usageError(reason: string): number {
  complain(`${reason}\n${USAGE}`);
  return 2;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

if (require.main === module) {
  runCli(process.argv.slice(2), processEnvironment()).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      complain(`failed: ${oneLine(describeError(error))}`);
      process.exitCode = 1;
    },
  );
}
