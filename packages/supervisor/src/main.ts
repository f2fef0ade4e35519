import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, listen, Shutdown, errorMeta } from '@arasul/service-kit';
import { loadSupervisorConfig, processEnvironment } from './config';
import { createControlApp } from './control-server';
import { discoverServices, serviceUrls, withTrustProxy } from './services';
import { Supervisor } from './supervisor';

const config = loadSupervisorConfig();

async function main(): Promise<void> {
  const logger = createLogger({ service: 'supervisor', level: config.LOG_LEVEL, format: config.LOG_FORMAT });
  const varDir = config.ARASUL_VAR ?? join(config.ARASUL_ROOT, 'var');
  const runDir = join(varDir, 'run');
  mkdirSync(runDir, { recursive: true });

  const environment = processEnvironment();
  const definitions = withTrustProxy(discoverServices(config.ARASUL_ROOT, environment), environment);
  const supervisor = new Supervisor(
    definitions,
    {
      root: config.ARASUL_ROOT,
      env: { ...processEnvironment(), ...serviceUrls(definitions, processEnvironment()) },
      logDir: join(varDir, 'log'),
      logMaxBytes: config.SUPERVISOR_LOG_MAX_BYTES,
      logKeep: config.SUPERVISOR_LOG_FILES,
      baseBackoffMs: 1000,
      maxBackoffMs: 60_000,
      stableAfterMs: 60_000,
      readinessIntervalMs: 1000,
      stopTimeoutMs: config.SUPERVISOR_STOP_TIMEOUT_MS,
    },
    logger,
  );

  const token = randomBytes(32).toString('hex');
  const tokenFile = join(runDir, 'supervisor.token');
  writeFileSync(tokenFile, token, { mode: 0o600 });

  const control = await listen(createControlApp(supervisor, token, logger), config.SUPERVISOR_PORT);
  const pidFile = join(runDir, 'supervisor.pid');
  writeFileSync(pidFile, String(process.pid));

  const shutdown = new Shutdown(logger, config.SUPERVISOR_STOP_TIMEOUT_MS * (definitions.length + 1));
  shutdown.add('pid file', () => rmSync(pidFile, { force: true }));
  shutdown.add('control api', () => control.close(1000));
  shutdown.add('services', () => supervisor.stop());
  shutdown.installSignalHandlers();

  supervisor.start();
  logger.info('supervisor running', {
    services: definitions.map((d) => `${d.name}:${d.port}`),
    controlPort: control.port,
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`supervisor failed to start: ${JSON.stringify(errorMeta(error))}\n`);
  process.exit(1);
});
