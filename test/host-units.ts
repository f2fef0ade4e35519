import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCompose } from './compose-rules';

export const ROOT = join(__dirname, '..');

/** A checkout file's text. */
export const readRepoFile = (file: string): string => readFileSync(join(ROOT, file), 'utf8');

/** Runs a host script of infra/host with bash and only the given environment (plus PATH). */
export function runHostScript(
  script: string,
  env: Record<string, string>,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      'bash',
      [join(ROOT, 'infra/host', script)],
      { env: { PATH: process.env.PATH, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number(error.code ?? 1) : 0, out: stdout + stderr });
      },
    );
  });
}

/** The self-healing-agent's service entry of docker-compose.yml (where it mounts the request directories). */
export function composeAgent(): { environment: Record<string, string>; volumes: unknown; user: unknown } {
  const services = parseCompose(readRepoFile('docker-compose.yml')).services as Record<
    string,
    Record<string, unknown>
  >;
  const agent = services['self-healing-agent'] ?? {};
  return {
    environment: (agent.environment ?? {}) as Record<string, string>,
    volumes: agent.volumes,
    user: agent.user,
  };
}
