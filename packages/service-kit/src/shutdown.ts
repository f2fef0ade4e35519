import type { Logger } from './logger';
import { errorMeta } from './logger';

interface Step {
  name: string;
  stop: () => Promise<void> | void;
}

/**
 * Stops a service in the reverse order of start: the last thing opened closes first, so the HTTP server
 * stops accepting before consumers stop, and consumers drain before the pools they use close. A hard
 * timeout guarantees the process ends even when a step hangs.
 */
export class Shutdown {
  private readonly steps: Step[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly logger: Logger,
    private readonly timeoutMs: number,
  ) {}

  /** Registers something to stop; call in start order. */
  add(name: string, stop: () => Promise<void> | void): this {
    this.steps.push({ name, stop });
    return this;
  }

  /** Runs every step once (later calls get the same promise), in reverse, each failure logged not fatal. */
  run(reason: string): Promise<void> {
    this.running ??= this.stopAll(reason);
    return this.running;
  }

  /** SIGTERM/SIGINT → graceful stop, then exit; a hung step cannot keep the process alive. */
  installSignalHandlers(exit: (code: number) => void = (code) => process.exit(code)): void {
    const onSignal = (signal: NodeJS.Signals) => {
      const hardStop = setTimeout(() => {
        this.logger.error('shutdown timed out, exiting', { timeoutMs: this.timeoutMs });
        exit(1);
      }, this.timeoutMs);
      hardStop.unref();
      this.run(signal).then(
        () => exit(0),
        () => exit(1),
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  private async stopAll(reason: string): Promise<void> {
    this.logger.info('shutting down', { reason });
    for (const step of [...this.steps].reverse()) {
      const started = Date.now();
      try {
        await step.stop();
        this.logger.debug('stopped', { step: step.name, ms: Date.now() - started });
      } catch (error) {
        this.logger.error('stop step failed', { step: step.name, ...errorMeta(error) });
      }
    }
    this.logger.info('shutdown complete');
  }
}
