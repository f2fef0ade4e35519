/**
 * The host side of Docker mode's reboot path (infra/host/arasul-reboot-request.sh, started by the systemd
 * path unit when the agent's request file appears), run against a temporary directory with a fake reboot
 * command: a fresh request reboots once and is gone first; a stale, malformed, symlinked or repeated one
 * never reboots. Also checks that the path unit, the tmpfiles entry, docker-compose.yml and the script agree
 * on where the request lives.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { composeAgent, readRepoFile, runHostScript } from './host-units';

describe('arasul-reboot-request.sh (host)', () => {
  let dir: string;
  let file: string;
  let rebootLog: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'arasul-reboot-host-'));
    file = join(dir, 'shared', 'reboot-request');
    rebootLog = join(dir, 'reboots.log');
    writeFileSync(join(dir, 'fake-reboot.sh'), `#!/bin/sh\necho "reboot $*" >> ${rebootLog}\n`, {
      mode: 0o755,
    });
    mkdirSync(dirname(file));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const run = (env: Record<string, string> = {}) =>
    runHostScript('arasul-reboot-request.sh', {
      ARASUL_REBOOT_REQUEST_FILE: file,
      ARASUL_REBOOT_STATE: join(dir, 'state'),
      ARASUL_REBOOT_COMMAND: `${join(dir, 'fake-reboot.sh')} --now`,
      ...env,
    });
  const reboots = (): string[] =>
    existsSync(rebootLog) ? readFileSync(rebootLog, 'utf8').trim().split('\n') : [];
  const request = (requestedAt: number, reason = 'api: api is still not healthy after 4 healing actions') => {
    writeFileSync(
      file,
      `requested_at=${String(requestedAt)}\nrequested_at_iso=${new Date(requestedAt * 1000).toISOString()}\nreason=${reason}\n`,
    );
  };
  const nowS = (): number => Math.floor(Date.now() / 1000);

  it('reboots once on a fresh request, removing it first, and not again within the hour', async () => {
    request(nowS() - 2);
    const first = await run();
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /rebooting the host as the self-healing-agent asked \d+ s ago: api: api is still not healthy/,
    );
    expect(reboots()).toEqual(['reboot --now']);
    expect(existsSync(file)).toBe(false);

    request(nowS());
    const second = await run();
    expect(second.code).not.toBe(0);
    expect(second.out).toMatch(/at most one in 3600 s\); not rebooting/);
    expect(reboots()).toHaveLength(1);
    expect(existsSync(file)).toBe(false);
  });

  it('drops a stale request (one left over from before the last boot) without rebooting', async () => {
    request(nowS() - 3600);
    const result = await run();
    expect(result.code).not.toBe(0);
    expect(result.out).toMatch(/the request is \d+ s old \(limit 300 s\); not rebooting/);
    expect(reboots()).toEqual([]);
    expect(existsSync(file)).toBe(false);
  });

  it('drops a malformed request and a symlink without rebooting', async () => {
    writeFileSync(file, 'reboot please\n');
    const malformed = await run();
    expect(malformed.out).toMatch(/no valid requested_at; not rebooting/);
    expect(existsSync(file)).toBe(false);

    writeFileSync(join(dir, 'elsewhere'), `requested_at=${String(nowS())}\n`);
    symlinkSync(join(dir, 'elsewhere'), file);
    const link = await run();
    expect(link.out).toMatch(/is not a plain file; removed, not rebooting/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(dir, 'elsewhere'))).toBe(true);
    expect(reboots()).toEqual([]);
  });

  it('does nothing without a request', async () => {
    const result = await run();
    expect(result).toEqual({ code: 0, out: 'arasul-reboot-request: no request\n' });
    expect(reboots()).toEqual([]);
  });
});

describe('the reboot request location', () => {
  it('is the same in the path unit, the tmpfiles entry, the script and docker-compose.yml', () => {
    const watched = /^PathExists=(.+)$/m.exec(readRepoFile('infra/host/arasul-reboot-request.path'))?.[1];
    expect(watched).toBe('/var/lib/arasul/reboot-request/reboot-request');
    expect(readRepoFile('infra/host/arasul-reboot-request.sh')).toContain(`:-${String(watched)}}`);
    expect(readRepoFile('infra/host/arasul-reboot-request.conf')).toMatch(
      /^d \/var\/lib\/arasul\/reboot-request 0700 1000 1000 -$/m,
    );
    const agent = composeAgent();
    const target = agent.environment.SELF_HEALING_REBOOT_REQUEST_PATH;
    expect(target).toBeDefined();
    expect(agent.volumes).toContain(`${dirname(String(watched))}:${dirname(String(target))}`);
    expect(agent.user).toBe('node'); // uid 1000, the owner the tmpfiles entry gives the directory
  });
});
