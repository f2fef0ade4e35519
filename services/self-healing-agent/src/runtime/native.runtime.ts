import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import type { WatchedServiceState } from '@arasul/contracts/http/self-healing';
import { NotFoundError, UnavailableError } from '@arasul/service-kit/errors';
import { readEventStream } from '@arasul/service-kit/http/event-stream';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import type { Runtime, RuntimeEvent, RuntimeService } from './runtime';

/** The supervisor's answers, validated like any outside system's. */
const supervisorState = z.enum(['stopped', 'starting', 'running', 'backoff', 'stopping']);
const processStatus = z.object({
  name: z.string(),
  state: supervisorState,
  pid: z.number().int().nullable(),
  uptimeSeconds: z.number().int().nullable(),
  restarts: z.number().int(),
  ready: z.boolean(),
  notReadyReason: z.string().nullable(),
  readiness: z.unknown(),
  quarantined: z.boolean().default(false),
});
const statusSchema = z.object({ services: z.array(processStatus) });
const exitedSchema = z.object({
  service: z.string(),
  code: z.number().int().nullable(),
  signal: z.string().nullable(),
  at: z.iso.datetime(),
  willRestart: z.boolean(),
});
const readinessSchema = z.object({
  service: z.string(),
  ready: z.boolean(),
  reason: z.string().nullable(),
  at: z.iso.datetime(),
});
const stateSchema = z.object({
  service: z.string(),
  state: supervisorState,
  pid: z.number().int().nullable(),
  at: z.iso.datetime(),
});
const readinessBody = z.object({
  checks: z.record(z.string(), z.object({ status: z.string(), critical: z.boolean().optional() })).optional(),
});

const REQUEST_TIMEOUT_MS = 5000;
/** The supervisor's stop waits for SIGTERM, up to its stop timeout: actions get longer. */
const ACTION_TIMEOUT_MS = 60_000;

export interface NativeRuntimeOptions {
  baseUrl: string;
  tokenFile: string;
  logger: Logger;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
}

function mapState(state: z.infer<typeof supervisorState>): WatchedServiceState {
  return state; // the supervisor's states are a subset of the watched states
}

/** Dependencies a native service names in its own readiness report as down (e.g. `llm-queue`). */
function downDependencies(readiness: unknown): string[] {
  const parsed = readinessBody.safeParse(readiness);
  if (!parsed.success || !parsed.data.checks) return [];
  return Object.entries(parsed.data.checks)
    .filter(([, c]) => c.status === 'down' && c.critical !== false)
    .map(([name]) => name);
}

/**
 * Native mode: the supervisor's loopback control API. Detection is its `/events` stream (push); the token is
 * re-read at each connect because the supervisor writes a new one each time it starts.
 */
export class NativeRuntime implements Runtime {
  readonly kind = 'native' as const;
  private readonly abort = new AbortController();
  private isConnected = false;
  private loop: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly options: NativeRuntimeOptions) {
    this.log = options.logger.child({ module: 'native-runtime' });
  }

  /** True when the supervisor answers `/status` (used by the runtime selection). */
  static async probe(baseUrl: string): Promise<boolean> {
    try {
      const response = await fetch(`${baseUrl}/status`, { signal: AbortSignal.timeout(2000) });
      return response.ok;
    } catch {
      return false;
    }
  }

  watch(listener: (event: RuntimeEvent) => void): void {
    this.loop ??= this.run(listener);
  }

  connected(): boolean {
    return this.isConnected;
  }

  async list(): Promise<RuntimeService[]> {
    const response = await this.request('GET', '/status', REQUEST_TIMEOUT_MS);
    return statusSchema.parse(await response.json()).services.map((s) => this.toService(s));
  }

  async restart(service: string): Promise<void> {
    await this.request('POST', `/services/${encodeURIComponent(service)}/restart`, ACTION_TIMEOUT_MS);
  }

  async stop(service: string): Promise<void> {
    await this.request('POST', `/services/${encodeURIComponent(service)}/stop`, ACTION_TIMEOUT_MS);
  }

  async start(service: string): Promise<void> {
    await this.request('POST', `/services/${encodeURIComponent(service)}/start`, REQUEST_TIMEOUT_MS);
  }

  /** Resident memory of the service's process (`VmRSS` in /proc), `null` when it does not run. */
  async memoryBytes(service: string): Promise<number | null> {
    const pid = (await this.list()).find((s) => s.name === service)?.pid ?? null;
    if (pid === null) return null;
    const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => null);
    const kib = status === null ? null : /^VmRSS:\s+(\d+)\s+kB$/m.exec(status)?.[1];
    return kib ? Number(kib) * 1024 : null;
  }

  async quarantine(service: string, reason: string): Promise<void> {
    await this.request('POST', `/services/${encodeURIComponent(service)}/quarantine`, REQUEST_TIMEOUT_MS, {
      reason: reason.slice(0, 1000),
    });
  }

  async release(service: string): Promise<void> {
    await this.request('POST', `/services/${encodeURIComponent(service)}/release`, REQUEST_TIMEOUT_MS);
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private toService(s: z.infer<typeof processStatus>): RuntimeService {
    return {
      name: s.name,
      state: mapState(s.state),
      ready: s.ready,
      notReadyReason: s.notReadyReason,
      pid: s.pid,
      uptimeSeconds: s.uptimeSeconds,
      restarts: s.restarts,
      quarantined: s.quarantined,
      dependencies: downDependencies(s.readiness),
    };
  }

  private async token(): Promise<string> {
    try {
      return (await readFile(this.options.tokenFile, 'utf8')).trim();
    } catch (error) {
      throw new UnavailableError('The supervisor token file cannot be read.', 'runtime_unavailable', {
        cause: error,
      });
    }
  }

  private async request(method: string, path: string, timeoutMs: number, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.abort.signal]),
      });
    } catch (error) {
      throw new UnavailableError('The supervisor does not answer.', 'runtime_unavailable', { cause: error });
    }
    if (response.status === 404) {
      throw new NotFoundError('The runtime does not know this service.', 'service_not_found');
    }
    if (!response.ok) {
      throw new UnavailableError(`The supervisor answered HTTP ${response.status}.`, 'runtime_failed');
    }
    return response;
  }

  private async run(listener: (event: RuntimeEvent) => void): Promise<void> {
    const min = this.options.reconnectMinMs ?? 250;
    const max = this.options.reconnectMaxMs ?? 5000;
    let delay = min;
    while (!this.abort.signal.aborted) {
      try {
        const response = await fetch(`${this.options.baseUrl}/events`, {
          headers: { authorization: `Bearer ${await this.token()}`, accept: 'text/event-stream' },
          signal: this.abort.signal,
        });
        if (!response.ok || !response.body) throw new Error(`event stream answered HTTP ${response.status}`);
        for await (const message of readEventStream(response.body)) {
          const event = this.toEvent(message.event, message.data);
          if (!event) continue;
          if (event.type === 'snapshot') {
            this.isConnected = true;
            delay = min;
          }
          listener(event);
        }
        throw new Error('event stream ended');
      } catch (error) {
        if (aborted(this.abort.signal)) break;
        if (this.isConnected) {
          this.log.warn('supervisor event stream lost, reconnecting', errorMeta(error));
          listener({ type: 'disconnected', reason: error instanceof Error ? error.message : String(error) });
        }
        this.isConnected = false;
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, max);
      }
    }
    this.isConnected = false;
  }

  private toEvent(type: string, data: string): RuntimeEvent | undefined {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.log.warn('supervisor sent an event that is not JSON', { type });
      return undefined;
    }
    switch (type) {
      case 'snapshot':
        return { type, services: statusSchema.parse(json).services.map((s) => this.toService(s)) };
      case 'exited': {
        const e = exitedSchema.parse(json);
        return { type, ...e, at: new Date(e.at) };
      }
      case 'readiness': {
        const e = readinessSchema.parse(json);
        return { type, ...e, at: new Date(e.at) };
      }
      case 'state': {
        const e = stateSchema.parse(json);
        return { type, service: e.service, state: mapState(e.state), pid: e.pid, at: new Date(e.at) };
      }
      default:
        return undefined; // quarantine echoes and future event types
    }
  }
}

/** Read through a call: the signal is aborted while the stream is awaited (no stale narrowing). */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}
