/**
 * The host side of Docker mode's recreate rung (infra/host/arasul-recreate-request.sh, started by the systemd
 * path unit when a request appears), run against a temporary directory with a fake `docker` CLI that records
 * its arguments: a fresh request for a compose service recreates exactly that service and is gone first; a
 * stale, malformed, misnamed, unknown-service or symlinked one never reaches `docker compose up`. Also
 * checks that the path unit, the tmpfiles entry, docker-compose.yml and the script agree on the directory.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeAgent, readRepoFile, runHostScript } from './host-units';

describe('arasul-recreate-request.sh (host)', () => {
  let dir: string;
  let requests: string;
  let calls: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'arasul-recreate-host-'));
    requests = join(dir, 'requests');
    calls = join(dir, 'docker.log');
    mkdirSync(requests);
    // A docker CLI that knows the services of a small project and records every call.
    writeFileSync(
      join(dir, 'docker'),
      `#!/bin/sh\necho "$*" >> ${calls}\ncase "$*" in *"config --services"*) printf 'postgres-db\\nllm-queue\\nself-healing-agent\\n' ;; esac\n`,
      { mode: 0o755 },
    );
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const run = () =>
    runHostScript('arasul-recreate-request.sh', {
      ARASUL_RECREATE_REQUEST_DIR: requests,
      ARASUL_ROOT: '/opt/arasul',
      ARASUL_COMPOSE_FILES: 'docker-compose.yml',
      ARASUL_DOCKER: join(dir, 'docker'),
    });
  const dockerCalls = (): string[] =>
    existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  const ups = (): string[] => dockerCalls().filter((c) => c.includes(' up '));
  const nowS = (): number => Math.floor(Date.now() / 1000);
  const request = (service: string, requestedAt = nowS() - 1, file = `recreate-${service}.request`) => {
    writeFileSync(
      join(requests, file),
      `requested_at=${String(requestedAt)}\nrequested_at_iso=${new Date(requestedAt * 1000).toISOString()}\nservice=${service}\nreason=${service} is still not healthy\n`,
    );
  };

  it('recreates exactly the requested compose service, removing the request first', async () => {
    request('llm-queue');
    const result = await run();
    expect(result.code).toBe(0);
    expect(result.out).toMatch(
      /recreating llm-queue as the self-healing-agent asked \d+ s ago: llm-queue is still not healthy/,
    );
    expect(ups()).toEqual([
      'compose --project-name arasul --project-directory /opt/arasul -f /opt/arasul/docker-compose.yml up -d --no-deps --force-recreate -- llm-queue',
    ]);
    expect(readdirSync(requests)).toEqual([]);
    // A second run finds nothing to do.
    expect((await run()).code).toBe(0);
    expect(ups()).toHaveLength(1);
  });

  it('drops stale, malformed, misnamed and unknown-service requests and symlinks without recreating', async () => {
    request('llm-queue', nowS() - 3600);
    request('postgres-db', nowS(), 'recreate-llm-queue-x.request'); // the file names another service
    request('redis-cache'); // not a service of the project
    writeFileSync(join(requests, 'recreate-bad.request'), 'service=bad\n'); // no requested_at
    request('Bad Name;rm -rf', nowS(), 'recreate-evil.request');
    writeFileSync(join(dir, 'elsewhere'), 'requested_at=1\n');
    symlinkSync(join(dir, 'elsewhere'), join(requests, 'recreate-self-healing-agent.request'));
    const result = await run();
    expect(result.code).toBe(1);
    expect(ups()).toEqual([]);
    expect(readdirSync(requests)).toEqual([]);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(true); // the symlink's target is left alone
    expect(result.out).toMatch(/recreate-llm-queue.request is 36\d\d s old/);
    expect(result.out).toContain('names no valid service');
    expect(result.out).toContain('redis-cache is not a service of the compose project arasul');
    expect(result.out).toContain('no valid requested_at');
    expect(result.out).toContain('is not a plain file');
  });

  it('does nothing without a request', async () => {
    const result = await run();
    expect(result.code).toBe(0);
    expect(dockerCalls()).toEqual([]);
  });
});

describe('the recreate request location', () => {
  it('is the same in the path unit, the tmpfiles entry, the script and docker-compose.yml', () => {
    const watched = /^PathExistsGlob=(.+)\/recreate-\*\.request$/m.exec(
      readRepoFile('infra/host/arasul-recreate-request.path'),
    )?.[1];
    expect(watched).toBe('/var/lib/arasul/recreate-request');
    expect(readRepoFile('infra/host/arasul-recreate-request.sh')).toContain(`:-${String(watched)}}`);
    expect(readRepoFile('infra/host/arasul-recreate-request.conf')).toMatch(
      /^d \/var\/lib\/arasul\/recreate-request 0700 1000 1000 -$/m,
    );
    const agent = composeAgent();
    const target = agent.environment.SELF_HEALING_RECREATE_REQUEST_DIR;
    expect(target).toBeDefined();
    expect(agent.volumes).toContain(`${String(watched)}:${String(target)}`);
  });
});
