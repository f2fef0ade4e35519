import { join } from 'node:path';
import type { Logger } from '@arasul/service-kit';
import { ManagedProcess, type ProcessStatus } from './managed-process';
import type { ServiceDefinition } from './services';
import { SupervisorEvents } from './supervisor-events';

export interface SupervisorOptions {
  root: string;
  env: NodeJS.ProcessEnv;
  logDir: string;
  logMaxBytes: number;
  logKeep: number;
  baseBackoffMs: number;
  maxBackoffMs: number;
  stableAfterMs: number;
  readinessIntervalMs: number;
  stopTimeoutMs: number;
}

export interface SupervisorStatus {
  pid: number;
  /** The Node.js the supervisor runs on; it starts every service with the same binary. */
  node: string;
  startedAt: string;
  allReady: boolean;
  services: ProcessStatus[];
}

/** Starts the services in order, keeps them running and knows whether each one is ready. */
export class Supervisor {
  private readonly processes: ManagedProcess[];
  private readonly startedAt = new Date();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  /** Exits, readiness flips, state changes, quarantine: what `GET /events` streams to the agent. */
  readonly events = new SupervisorEvents();

  constructor(
    definitions: ServiceDefinition[],
    private readonly options: SupervisorOptions,
    private readonly logger: Logger,
  ) {
    this.processes = definitions.map(
      (definition) =>
        new ManagedProcess(
          definition,
          {
            logFile: join(options.logDir, `${definition.name}.log`),
            logMaxBytes: options.logMaxBytes,
            logKeep: options.logKeep,
            env: options.env,
            baseBackoffMs: options.baseBackoffMs,
            maxBackoffMs: options.maxBackoffMs,
            stableAfterMs: options.stableAfterMs,
            readinessTimeoutMs: Math.min(options.readinessIntervalMs, 2000),
            onEvent: (event) => this.events.emit(event),
          },
          logger,
        ),
    );
  }

  start(): void {
    for (const process of this.processes) process.start();
    this.probeTimer = setInterval(() => void this.probeAll(), this.options.readinessIntervalMs);
    void this.probeAll();
  }

  /** Stops every service in the reverse of start order (the gateway first, its upstreams after). */
  async stop(): Promise<void> {
    clearInterval(this.probeTimer);
    for (const process of [...this.processes].reverse()) await process.stop(this.options.stopTimeoutMs);
    await Promise.all(this.processes.map((p) => p.close()));
  }

  find(name: string): ManagedProcess | undefined {
    return this.processes.find((p) => p.name === name);
  }

  async restartService(name: string): Promise<boolean> {
    const process = this.find(name);
    if (!process) return false;
    this.logger.info('service restart requested', { service: name });
    await process.restart(this.options.stopTimeoutMs);
    return true;
  }

  async stopService(name: string): Promise<boolean> {
    const process = this.find(name);
    if (!process) return false;
    this.logger.info('service stop requested', { service: name });
    await process.stop(this.options.stopTimeoutMs);
    return true;
  }

  startService(name: string): boolean {
    const process = this.find(name);
    if (!process) return false;
    process.start();
    return true;
  }

  quarantineService(name: string, reason: string): boolean {
    const process = this.find(name);
    if (!process) return false;
    this.logger.warn('service quarantined', { service: name, reason });
    process.quarantine(reason);
    return true;
  }

  releaseService(name: string): boolean {
    const process = this.find(name);
    if (!process) return false;
    this.logger.info('service released from quarantine', { service: name });
    process.release();
    return true;
  }

  status(): SupervisorStatus {
    const services = this.processes.map((p) => p.status());
    return {
      pid: process.pid,
      node: process.version,
      startedAt: this.startedAt.toISOString(),
      allReady: services.every((s) => s.ready),
      services,
    };
  }

  private async probeAll(): Promise<void> {
    if (this.probing) return; // a slow probe round is skipped, not queued
    this.probing = true;
    try {
      await Promise.all(this.processes.map((p) => p.probeReadiness()));
    } finally {
      this.probing = false;
    }
  }
}
