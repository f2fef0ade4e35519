import { access, rename, rm, writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Docker mode: the agent's container can neither reboot its host nor create containers (the socket proxy
 * refuses), so it asks the host. A request is a small file on a directory shared with the host (a bind
 * mount); a systemd path unit on the host (infra/host/arasul-*-request.path) sees it appear, checks that it is
 * recent and well-formed, removes it and acts.
 *
 * Written atomically (a temporary file in the same directory, then renamed), so the host never reads half a
 * request. One `key=value` per line, so the host script needs no JSON parser:
 *   requested_at=<unix seconds>
 *   requested_at_iso=<ISO 8601>
 *   <field>=<one line, at most 200 characters>   (reason=…, service=…)
 */
export async function writeHostRequest(
  file: string,
  fields: Record<string, string>,
  at: Date,
): Promise<void> {
  const lines = Object.entries(fields).map(([key, value]) => `${key}=${oneLine(value)}\n`);
  const body =
    `requested_at=${String(Math.floor(at.getTime() / 1000))}\n` +
    `requested_at_iso=${at.toISOString()}\n` +
    lines.join('');
  const temporary = `${file}.${String(process.pid)}.tmp`;
  try {
    await writeFile(temporary, body, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/** The host reboots on this request (infra/host/arasul-reboot-request.sh). */
export async function writeRebootRequest(file: string, reason: string, at: Date): Promise<void> {
  await writeHostRequest(file, { reason }, at);
}

/** True once the host has taken (removed) the request, false when `timeoutMs` passed first. */
export async function hostTookRequest(file: string, timeoutMs: number, pollMs = 200): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await access(file);
    } catch {
      return true;
    }
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

/** One line of printable text: control characters (a newline would add a field) become spaces. */
function oneLine(value: string): string {
  return Array.from(value, (c) => (c < ' ' || c === '\u007f' ? ' ' : c))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, 200);
}
