import type { RequestListener, ServerOptions } from 'node:http';
import type { ConnectionLifecycle } from './connections';
import { HealthRegistry } from './health';
import { type RunningServer, listen } from './http/server';
import { type LogLevel, type Logger, createLogger, errorMeta } from './logger';
import { Shutdown } from './shutdown';

/** The part of every service's config the composition root itself needs. */
export interface ServiceMainConfig {
  LOG_LEVEL: LogLevel;
  LOG_FORMAT: 'json' | 'pretty';
  SHUTDOWN_TIMEOUT_MS: number;
}

export interface ServeOptions {
  /** How long in-flight requests may finish at shutdown before the rest (SSE) is cut. Default 5 s. */
  graceMs?: number;
  /** Runs after readiness went down and before the server closes, e.g. ending event streams. */
  beforeClose?: () => Promise<void>;
  /** The registry to mark as shutting down, when the service keeps its own (the gateway). */
  health?: HealthRegistry;
  /** node:http server options, e.g. the request/response classes a request listener expects (the gateway). */
  server?: ServerOptions;
}

export interface ServiceRuntime {
  logger: Logger;
  health: HealthRegistry;
  shutdown: Shutdown;
  /** What `openPostgres`, `openRedis` and `openAmqp` take. */
  lifecycle: ConnectionLifecycle & { logger: Logger };
  /**
   * Listens and registers the `http` stop step: readiness reports "shutting down" first, then
   * `beforeClose`, then the server closes. Registered in start order like every other step.
   */
  serve: (app: RequestListener, port: number, host: string, options?: ServeOptions) => Promise<RunningServer>;
}

export interface RunServiceOptions {
  /** Install SIGTERM/SIGINT → graceful stop → exit. Default true; tests turn it off. */
  signals?: boolean;
  exit?: (code: number) => void;
  stderr?: (line: string) => void;
}

/**
 * The composition root every service shares: logger → shutdown (signals stop in reverse start order) →
 * readiness registry → `compose` (open connections, build the app, `serve`, start background work). What
 * `compose` returns is logged as "<service> listening". A start that fails prints one JSON line on stderr
 * and exits with 1, so the supervisor restarts it with back-off.
 *
 * ```ts
 * runService('auth', loadAuthConfig(), async ({ lifecycle, serve }) => {
 *   const { db } = openPostgres(config, lifecycle);
 *   const server = await serve(createApp({ db }), config.AUTH_PORT, config.AUTH_HOST);
 *   return { port: server.port };
 * });
 * ```
 */
export async function runService(
  service: string,
  config: ServiceMainConfig,
  compose: (runtime: ServiceRuntime) => Promise<Record<string, unknown>>,
  options: RunServiceOptions = {},
): Promise<ServiceRuntime | undefined> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  try {
    const logger = createLogger({ service, level: config.LOG_LEVEL, format: config.LOG_FORMAT });
    const shutdown = new Shutdown(logger, config.SHUTDOWN_TIMEOUT_MS);
    if (options.signals ?? true) shutdown.installSignalHandlers(exit);
    const health = new HealthRegistry(service);
    const runtime: ServiceRuntime = {
      logger,
      health,
      shutdown,
      lifecycle: { service, logger, health, shutdown },
      serve: async (app, port, host, serveOptions = {}) => {
        const server = await listen(app, port, host, serveOptions.server);
        shutdown.add('http', async () => {
          (serveOptions.health ?? health).markShuttingDown();
          await serveOptions.beforeClose?.();
          await server.close(serveOptions.graceMs);
        });
        return server;
      },
    };
    const details = await compose(runtime);
    logger.info(`${service} listening`, details);
    return runtime;
  } catch (error) {
    const write = options.stderr ?? ((line: string) => process.stderr.write(line));
    write(`${service} failed to start: ${JSON.stringify(errorMeta(error))}\n`);
    exit(1);
    return undefined;
  }
}
