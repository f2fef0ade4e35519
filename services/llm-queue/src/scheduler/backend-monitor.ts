import type { Logger } from '@arasul/service-kit';
import type { ModelLoader, Upstream } from './scheduler.port';

export interface BackendState {
  status: 'unknown' | 'up' | 'down';
  reason: string | null;
  since: Date | null;
}

/**
 * Whether the model server answers. Probed on the scheduler's tick while it is not known to be up; a job
 * that could not reach it after every attempt marks it down at once. `onChange` runs on every transition.
 */
export class BackendMonitor {
  private state: BackendState = { status: 'unknown', reason: null, since: null };
  private lastProbeAt = 0;

  constructor(
    private readonly upstream: Upstream,
    private readonly models: ModelLoader,
    private readonly probeEveryMs: number,
    private readonly logger: Logger,
    private readonly onChange: (state: BackendState) => void,
  ) {}

  get current(): BackendState {
    return { ...this.state };
  }

  get isUp(): boolean {
    return this.state.status === 'up';
  }

  get isDown(): boolean {
    return this.state.status === 'down';
  }

  probeDue(): boolean {
    return Date.now() - this.lastProbeAt >= this.probeEveryMs;
  }

  async probe(): Promise<void> {
    this.lastProbeAt = Date.now();
    try {
      await this.upstream.version();
      await this.models.refresh().catch(() => undefined);
      this.markUp();
    } catch (error) {
      this.markDown(error instanceof Error ? error.message : String(error));
    }
  }

  markUp(): void {
    if (this.state.status === 'up') return;
    if (this.state.status === 'down') this.logger.info('ollama is reachable again');
    this.state = { status: 'up', reason: null, since: new Date() };
    this.onChange(this.current);
  }

  markDown(reason: string): void {
    this.lastProbeAt = Date.now();
    if (this.state.status === 'down') return;
    this.logger.warn('ollama unreachable: jobs wait', { reason });
    this.state = { status: 'down', reason, since: new Date() };
    this.onChange(this.current);
  }
}
