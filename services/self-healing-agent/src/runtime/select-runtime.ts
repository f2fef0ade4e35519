import { join } from 'node:path';
import type { Logger } from '@arasul/service-kit/logger';
import type { SelfHealingConfig } from '../config';
import { NativeRuntime } from './native.runtime';
import type { Runtime } from './runtime';

/** Native mode's supervisor control API and its token file. */
export function supervisorEndpoint(config: SelfHealingConfig): { baseUrl: string; tokenFile: string } {
  const varDir = config.ARASUL_VAR ?? join(config.ARASUL_ROOT, 'var');
  return {
    baseUrl: config.SUPERVISOR_URL ?? `http://127.0.0.1:${config.SUPERVISOR_PORT}`,
    tokenFile: join(varDir, 'run', 'supervisor.token'),
  };
}

/**
 * Docker when the socket proxy answers (or `SELF_HEALING_RUNTIME=docker`), the native supervisor otherwise.
 * The choice is made once at start and shown in `/health` and `GET /api/self-healing/status`.
 */
export async function selectRuntime(config: SelfHealingConfig, logger: Logger): Promise<Runtime> {
  if (config.SELF_HEALING_RUNTIME !== 'native' && config.DOCKER_HOST !== undefined) {
    // Loaded only here: dockerode (with ssh2, gRPC and protobufjs) is ~1/5 of the agent's code, and native
    // mode never needs it.
    const { DockerRuntime } = await import('./docker.runtime.js');
    const docker = new DockerRuntime(config.DOCKER_HOST, {
      project: config.COMPOSE_PROJECT_NAME,
      reconcileMs: config.SELF_HEALING_RECONCILE_MS,
      logger,
      recreateRequestDir: config.SELF_HEALING_RECREATE_REQUEST_DIR,
      recreateTakenMs: config.SELF_HEALING_RECREATE_TAKEN_S * 1000,
    });
    if (config.SELF_HEALING_RUNTIME === 'docker' || (await docker.probe())) return docker;
    logger.warn('the Docker socket proxy does not answer: watching the native supervisor instead', {
      dockerHost: config.DOCKER_HOST,
    });
  }
  return new NativeRuntime({ ...supervisorEndpoint(config), logger });
}
