import { rename, rm, writeFile } from 'node:fs/promises';

/**
 * Docker mode: the agent's container cannot reboot its host, so it asks the host to. The request is a small
 * file on a directory shared with the host (a bind mount); the host's systemd path unit
 * (infra/host/arasul-reboot-request.path) sees it appear, checks that it is recent, removes it and reboots.
 *
 * Written atomically (a temporary file in the same directory, then renamed), so the host never reads half a
 * request. One `key=value` per line, so the host script needs no JSON parser:
 *   requested_at=<unix seconds>
 *   requested_at_iso=<ISO 8601>
 *   reason=<one line, at most 200 characters>
 */
export async function writeRebootRequest(file: string, reason: string, at: Date): Promise<void> {
  // One line of printable text: control characters (a newline would add a field) become spaces.
  const oneLine = Array.from(reason, (c) => (c < ' ' || c === '\u007f' ? ' ' : c))
    .join('')
    .replace(/ {2,}/g, ' ')
    .trim()
    .slice(0, 200);
  const body =
    `requested_at=${String(Math.floor(at.getTime() / 1000))}\n` +
    `requested_at_iso=${at.toISOString()}\n` +
    `reason=${oneLine}\n`;
  const temporary = `${file}.${String(process.pid)}.tmp`;
  try {
    await writeFile(temporary, body, { mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
