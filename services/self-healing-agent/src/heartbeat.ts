import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';

/**
 * Writes the time of the agent's last healthy tick to a file the host dead-man unit watches (infra/deadman):
 * a stale heartbeat there restarts the agent. Written atomically (temp file + rename).
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly intervalMs: number,
    /** The heartbeat only advances while the agent's own loop is alive. */
    private readonly alive: () => boolean,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    await this.beat();
    this.timer = setInterval(() => void this.beat(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async beat(): Promise<void> {
    if (!this.alive()) return;
    try {
      const temp = `${this.file}.tmp`;
      await writeFile(temp, `${new Date().toISOString()}\n`);
      await rename(temp, this.file);
    } catch (error) {
      this.logger.warn('could not write the heartbeat file', { file: this.file, ...errorMeta(error) });
    }
  }
}
