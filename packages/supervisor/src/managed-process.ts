import { readFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import type { Logger } from '@arasul/service-kit';
import { RotatingLog } from './rotating-log';
import type { SupervisorEvent } from './supervisor-events';
import type { ServiceDefinition } from './services';

export type ProcessState = 'stopped' | 'starting' | 'running' | 'backoff' | 'stopping';

export interface ManagedProcessOptions {
  logFile: string;
  logMaxBytes: number;
  logKeep: number;
  env: NodeJS.ProcessEnv;
  /** First restart delay; doubles per consecutive crash up to `maxBackoffMs`. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A process that stayed up this long is healthy again: its crash counter resets. */
  stableAfterMs: number;
  readinessTimeoutMs: number;
  /** Told about exits, readiness flips, state changes and quarantine (the control API's event stream). */
  onEvent?: (event: SupervisorEvent) => void;
}

export interface ProcessStatus {
  name: string;
  state: ProcessState;
  pid: number | null;
  port: number;
  startedAt: string | null;
  uptimeSeconds: number | null;
  restarts: number;
  consecutiveCrashes: number;
  nextRestartAt: string | null;
  lastExit: { code: number | null; signal: string | null; at: string } | null;
  ready: boolean;
  /** Why the service is not ready: its own readiness report, or why it could not be asked. */
  notReadyReason: string | null;
  readiness: unknown;
  /** Held out of automatic crash restarts (by the self-healing agent) until released. */
  quarantined: boolean;
  quarantineReason: string | null;
}

/** One supervised service process: start, stop, restart on crash with back-off, readiness tracking. */
export class ManagedProcess {
  private child: ChildProcess | undefined;
  private state: ProcessState = 'stopped';
  private startedAt: number | undefined;
  private restarts = 0;
  private consecutiveCrashes = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  private nextRestartAt: number | undefined;
  private lastExit: ProcessStatus['lastExit'] = null;
  private ready = false;
  private notReadyReason: string | null = 'not started';
  private readiness: unknown = null;
  private exitWaiters: (() => void)[] = [];
  private quarantineReason: string | null = null;
  private readonly log: RotatingLog;

  constructor(
    readonly definition: ServiceDefinition,
    private readonly options: ManagedProcessOptions,
    private readonly logger: Logger,
  ) {
    this.log = new RotatingLog(options.logFile, options.logMaxBytes, options.logKeep);
  }

  get name(): string {
    return this.definition.name;
  }

  start(): void {
    if (this.child || this.state === 'starting' || this.state === 'running') return;
    clearTimeout(this.restartTimer);
    this.nextRestartAt = undefined;
    this.setState('starting');
    this.setReady(false, 'starting');
    const child = spawn(
      process.execPath,
      ['--enable-source-maps', ...this.definition.nodeFlags, this.definition.entry],
      {
        cwd: this.definition.dir,
        env: {
          ...this.options.env,
          ...this.definition.env,
          [this.definition.portEnv]: String(this.definition.port),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    this.child = child;
    this.startedAt = Date.now();
    child.stdout.on('data', (chunk: Buffer) => this.log.write(chunk));
    child.stderr.on('data', (chunk: Buffer) => this.log.write(chunk));
    child.once('spawn', () => {
      this.setState('running', child.pid ?? null);
      this.logger.info('service started', { service: this.name, pid: child.pid });
    });
    child.once('error', (error) => {
      this.log.write(`[supervisor] could not start: ${error.message}\n`);
    });
    child.once('exit', (code, signal) => this.onExit(code, signal));
  }

  /** SIGTERM, then SIGKILL when the service has not ended within `timeoutMs`. */
  async stop(timeoutMs: number): Promise<void> {
    clearTimeout(this.restartTimer);
    this.nextRestartAt = undefined;
    const child = this.child;
    if (!child) {
      this.setState('stopped');
      return;
    }
    this.setState('stopping');
    const exited = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.logger.warn('service ignored SIGTERM, killing it', { service: this.name, timeoutMs });
      child.kill('SIGKILL');
    }, timeoutMs);
    await exited;
    clearTimeout(timer);
  }

  async restart(timeoutMs: number): Promise<void> {
    await this.stop(timeoutMs);
    this.consecutiveCrashes = 0;
    this.start();
  }

  /** Holds the service out of automatic crash restarts; a pending back-off restart is cancelled. */
  quarantine(reason: string): void {
    this.quarantineReason = reason;
    if (this.state === 'backoff') {
      clearTimeout(this.restartTimer);
      this.nextRestartAt = undefined;
      this.setState('stopped');
      this.setReady(false, 'quarantined');
    }
    this.emit({ type: 'quarantine', service: this.name, quarantined: true, reason, at: now() });
  }

  /** Lifts the quarantine; a service that is down is started again. */
  release(): void {
    if (this.quarantineReason === null) return;
    this.quarantineReason = null;
    this.consecutiveCrashes = 0;
    this.emit({ type: 'quarantine', service: this.name, quarantined: false, reason: null, at: now() });
    if (!this.child && this.state !== 'stopping') this.start();
  }

  get quarantined(): boolean {
    return this.quarantineReason !== null;
  }

  async close(): Promise<void> {
    await this.log.close();
  }

  /** Read again after an await (the state changes meanwhile; a plain comparison would stay narrowed). */
  private isRunning(): boolean {
    return this.state === 'running';
  }

  /** Asks the service's own `/health/ready`; the answer (or why there was none) is kept for `status`. */
  async probeReadiness(): Promise<void> {
    if (this.state !== 'running') {
      this.setReady(
        false,
        this.quarantined && this.state === 'stopped'
          ? 'quarantined'
          : this.state === 'backoff'
            ? 'crashed, waiting to restart'
            : this.state,
      );
      return;
    }
    try {
      // With the services' internal secret the answer has the details (checks, loops); without, up/down only.
      const secret = internalSecretOf(this.options.env);
      const response = await fetch(`http://127.0.0.1:${this.definition.port}/health/ready`, {
        ...(secret ? { headers: { authorization: `Bearer ${secret}` } } : {}),
        signal: AbortSignal.timeout(this.options.readinessTimeoutMs),
      });
      const body: unknown = await response.json().catch(() => null);
      this.readiness = body;
      if (!this.isRunning()) return; // stopped or crashed while we asked
      this.setReady(response.ok, response.ok ? null : describeUnready(body, response.status));
    } catch (error) {
      this.readiness = null;
      if (!this.isRunning()) return;
      this.setReady(
        false,
        `no answer on port ${this.definition.port} (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  status(): ProcessStatus {
    const now = Date.now();
    return {
      name: this.name,
      state: this.state,
      pid: this.child?.pid ?? null,
      port: this.definition.port,
      startedAt: this.child && this.startedAt ? new Date(this.startedAt).toISOString() : null,
      uptimeSeconds: this.child && this.startedAt ? Math.round((now - this.startedAt) / 1000) : null,
      restarts: this.restarts,
      consecutiveCrashes: this.consecutiveCrashes,
      nextRestartAt: this.nextRestartAt ? new Date(this.nextRestartAt).toISOString() : null,
      lastExit: this.lastExit,
      ready: this.ready,
      notReadyReason: this.notReadyReason,
      readiness: this.readiness,
      quarantined: this.quarantined,
      quarantineReason: this.quarantineReason,
    };
  }

  private emit(event: SupervisorEvent): void {
    this.options.onEvent?.(event);
  }

  private setState(state: ProcessState, pid: number | null = null): void {
    if (this.state === state) return;
    this.state = state;
    this.emit({ type: 'state', service: this.name, state, pid, at: now() });
  }

  /** Readiness with its reason; only a flip of `ready` is an event (the reason text may change each probe). */
  private setReady(ready: boolean, reason: string | null): void {
    const flipped = this.ready !== ready;
    this.ready = ready;
    this.notReadyReason = reason;
    if (flipped) this.emit({ type: 'readiness', service: this.name, ready, reason, at: now() });
  }

  private emitExit(code: number | null, signal: NodeJS.Signals | null, restartInMs: number | null): void {
    this.emit({
      type: 'exited',
      service: this.name,
      code,
      signal,
      at: this.lastExit?.at ?? now(),
      willRestart: restartInMs !== null,
      restartInMs,
    });
  }

  private onExit(code: number | null, signal: NodeJS.Signals | null): void {
    const ranForMs = this.startedAt ? Date.now() - this.startedAt : 0;
    this.child = undefined;
    this.lastExit = { code, signal, at: new Date().toISOString() };
    const waiters = this.exitWaiters.splice(0);
    if (this.state === 'stopping' || waiters.length > 0) {
      this.emitExit(code, signal, null);
      this.setState('stopped');
      this.setReady(false, 'stopped');
      for (const resolve of waiters) resolve();
      return;
    }
    if (this.quarantined) {
      // Quarantined: the agent decided this service gets no more automatic restarts until a person looks.
      this.consecutiveCrashes += 1;
      this.emitExit(code, signal, null);
      this.setState('stopped');
      this.setReady(false, 'quarantined');
      this.log.write(
        `[supervisor] exited (code ${String(code)}, signal ${String(signal)}), quarantined: not restarting\n`,
      );
      this.logger.warn('quarantined service exited, not restarting', { service: this.name, code, signal });
      return;
    }
    // A crash: back off exponentially, but forgive history once a run was long enough to count as stable.
    if (ranForMs >= this.options.stableAfterMs) this.consecutiveCrashes = 0;
    this.consecutiveCrashes += 1;
    const delay = Math.min(
      this.options.baseBackoffMs * 2 ** (this.consecutiveCrashes - 1),
      this.options.maxBackoffMs,
    );
    this.nextRestartAt = Date.now() + delay;
    this.emitExit(code, signal, delay);
    this.setState('backoff');
    this.setReady(
      false,
      `exited (code ${String(code)}, signal ${String(signal)}), restarting in ${delay} ms`,
    );
    this.log.write(`[supervisor] ${this.notReadyReason ?? 'exited'}\n`);
    this.logger.warn('service exited unexpectedly', { service: this.name, code, signal, restartInMs: delay });
    this.restartTimer = setTimeout(() => {
      this.restarts += 1;
      this.start();
    }, delay);
  }
}

function now(): string {
  return new Date().toISOString();
}

function describeUnready(body: unknown, status: number): string {
  const checks = (body as { checks?: Record<string, { status?: string; error?: string }> } | null)?.checks;
  if (checks) {
    const down = Object.entries(checks)
      .filter(([, c]) => c.status === 'down')
      .map(([name, c]) => `${name}: ${c.error ?? 'down'}`);
    if (down.length > 0) return down.join('; ');
  }
  return `readiness answered HTTP ${status}`;
}

/** The services' internal secret as they read it themselves (NAME or NAME_FILE); undefined when neither is set. */
function internalSecretOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.INTERNAL_SECRET) return env.INTERNAL_SECRET;
  const file = env.INTERNAL_SECRET_FILE;
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}
