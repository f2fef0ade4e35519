import { closeSync, existsSync, fstatSync, mkdirSync, openSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * An append-only log file that never grows past `maxBytes`: when full it becomes `<file>.1` (older ones
 * shift up to `keep`), so years of uptime cannot fill the disk with service output. Writes are
 * synchronous on purpose: the rename must never race a write still queued for the old file, and the
 * supervisor does nothing else that a short blocking append could delay.
 *
 * Kept hand-written after trying rotating-file-stream 3.2.10 (size '1000B', rotate 2) under
 * test/rotating-log.test.ts: 50 lines of 100 B written in one tick left a 5,000 B live file, 5× the cap,
 * because writes queued while the file opens or rotates go out as one batch and the size is checked only
 * after it; a crashing service that floods its output would overshoot by the whole burst. (Its package is
 * also ESM-typed for this CommonJS build.)
 */
export class RotatingLog {
  private fd: number;
  private size: number;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly maxBytes: number,
    private readonly keep: number,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.size = fstatSync(this.fd).size;
  }

  write(chunk: Buffer | string): void {
    if (this.closed) return; // output that arrives after shutdown has nowhere to go
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size + buffer.length > this.maxBytes && this.size > 0) this.rotate();
    writeSync(this.fd, buffer);
    this.size += buffer.length;
  }

  close(): Promise<void> {
    if (!this.closed) closeSync(this.fd);
    this.closed = true;
    return Promise.resolve();
  }

  private rotate(): void {
    closeSync(this.fd);
    for (let i = this.keep - 1; i >= 1; i -= 1) {
      const from = `${this.path}.${i}`;
      if (existsSync(from)) renameSync(from, `${this.path}.${i + 1}`);
    }
    renameSync(this.path, `${this.path}.1`);
    this.fd = openSync(this.path, 'a');
    this.size = 0;
  }
}
