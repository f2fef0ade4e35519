import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Docker from 'dockerode';
import { z } from 'zod';
import type { WatchedServiceState } from '@arasul/contracts/http/self-healing';
import { NotFoundError, UnavailableError } from '@arasul/service-kit/errors';
import { type Logger, errorMeta } from '@arasul/service-kit/logger';
import { hostTookRequest, writeHostRequest } from '../shared/host-request';
import type { Runtime, RuntimeEvent, RuntimeService } from './runtime';

const SERVICE_LABEL = 'com.docker.compose.service';
const LOG_TAIL_TIMEOUT_MS = 5000;
const PROJECT_LABEL = 'com.docker.compose.project';
const DEPENDS_LABEL = 'com.docker.compose.depends_on';
const STOP_TIMEOUT_S = 15;

/** The parts of Docker's answers we use, validated like any outside system's. */
const inspectSchema = z.object({
  Id: z.string(),
  RestartCount: z.number().int().default(0),
  State: z.object({
    Status: z.string(),
    Pid: z.number().int().default(0),
    StartedAt: z.string().optional(),
    OOMKilled: z.boolean().default(false),
    Health: z.object({ Status: z.string() }).optional(),
  }),
  HostConfig: z.object({ RestartPolicy: z.object({ Name: z.string().default('no') }).optional() }).optional(),
  Config: z.object({ Labels: z.record(z.string(), z.string()).nullable().default({}) }),
});
const summarySchema = z.array(
  z.object({ Id: z.string(), Labels: z.record(z.string(), z.string()).nullable() }),
);
const eventSchema = z.object({
  Type: z.string(),
  Action: z.string(),
  Actor: z.object({ ID: z.string(), Attributes: z.record(z.string(), z.string()).default({}) }),
  timeNano: z.number().optional(),
  time: z.number().optional(),
});

const statsSchema = z.object({
  memory_stats: z.object({
    usage: z.number().optional(),
    stats: z
      .object({ inactive_file: z.number().optional(), total_inactive_file: z.number().optional() })
      .optional(),
  }),
});
const pruneImagesSchema = z.object({
  ImagesDeleted: z.array(z.object({}).loose()).nullable().optional(),
  SpaceReclaimed: z.number().optional(),
});
const pruneBuildSchema = z.object({
  CachesDeleted: z.array(z.string()).nullable().optional(),
  SpaceReclaimed: z.number().optional(),
});

const STATES: Record<string, WatchedServiceState> = {
  created: 'stopped',
  running: 'running',
  restarting: 'restarting',
  paused: 'paused',
  exited: 'exited',
  dead: 'dead',
  removing: 'stopping',
};

/** `tcp://proxy:2375` / `unix:///var/run/docker.sock` → dockerode options. */
export function dockerOptions(dockerHost: string): Docker.DockerOptions {
  const url = new URL(dockerHost.replace(/^tcp:/, 'http:'));
  if (url.protocol === 'unix:') return { socketPath: url.pathname };
  return { protocol: 'http', host: url.hostname, port: Number(url.port || 2375) };
}

/**
 * Docker mode: dockerode against the docker-socket-proxy. Detection is the engine's event stream (`die`,
 * `oom`, `health_status`, `start`) plus a reconcile pass every `reconcileMs` for what the stream missed.
 * Quarantine sets the container's restart policy to `no`; release puts `unless-stopped` back.
 */
export class DockerRuntime implements Runtime {
  readonly kind = 'docker' as const;
  private readonly docker: Docker;
  private readonly abort = new AbortController();
  private readonly ids = new Map<string, string>();
  /** Services we are stopping or restarting: their next `die` is expected, not a crash. */
  private readonly expectedExit = new Set<string>();
  /** Stopped through us (operator or agent): the restart policy does not bring them back. */
  private readonly stoppedByUs = new Set<string>();
  private readonly oomSeen = new Set<string>();
  private isConnected = false;
  private loop: Promise<void> | undefined;
  private reconcileTimer: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  /**
   * Recreates the service's container from its compose definition, through the host (present only when
   * `recreateRequestDir` is set): the socket proxy never lets the agent create containers, so it writes
   * `recreate-<service>.request` there and the host's path unit (infra/host/arasul-recreate-request.sh)
   * runs `docker compose up -d --no-deps --force-recreate <service>`. Fails when the host has not taken the
   * request within `recreateTakenMs` (the unit is not installed, or the host is stuck); the request is then
   * withdrawn, so a late host never acts on a stale one.
   */
  readonly recreate?: (service: string, reason: string) => Promise<void>;

  constructor(
    dockerHost: string,
    private readonly options: {
      project: string;
      reconcileMs: number;
      logger: Logger;
      recreateRequestDir?: string;
      recreateTakenMs?: number;
    },
  ) {
    this.docker = new Docker(dockerOptions(dockerHost));
    this.log = options.logger.child({ module: 'docker-runtime' });
    const dir = options.recreateRequestDir;
    if (dir !== undefined) {
      this.recreate = (service, reason) => this.requestRecreate(dir, service, reason);
    }
  }

  async probe(): Promise<boolean> {
    try {
      await Promise.race([
        this.docker.ping(),
        sleep(2000).then(() => Promise.reject(new Error('docker ping timed out'))),
      ]);
      return true;
    } catch {
      return false;
    }
  }

  watch(listener: (event: RuntimeEvent) => void): void {
    this.loop ??= this.run(listener);
    this.reconcileTimer = setInterval(() => {
      if (!this.isConnected) return;
      this.list().then(
        (services) => listener({ type: 'snapshot', services }),
        (error: unknown) => this.log.warn('docker reconcile failed', errorMeta(error)),
      );
    }, this.options.reconcileMs);
  }

  connected(): boolean {
    return this.isConnected;
  }

  async list(): Promise<RuntimeService[]> {
    const summaries = summarySchema.parse(
      await this.call(() =>
        this.docker.listContainers({
          all: true,
          filters: { label: [`${PROJECT_LABEL}=${this.options.project}`] },
        }),
      ),
    );
    const services: RuntimeService[] = [];
    for (const s of summaries) {
      const name = s.Labels?.[SERVICE_LABEL];
      if (!name) continue;
      this.ids.set(name, s.Id);
      services.push(
        this.toService(
          name,
          inspectSchema.parse(await this.call(() => this.docker.getContainer(s.Id).inspect())),
        ),
      );
    }
    return services.sort((a, b) => a.name.localeCompare(b.name));
  }

  async restart(service: string): Promise<void> {
    const id = await this.idOf(service);
    this.expectedExit.add(service);
    await this.call(() => this.docker.getContainer(id).restart({ t: STOP_TIMEOUT_S }));
  }

  async stop(service: string): Promise<void> {
    const id = await this.idOf(service);
    this.stoppedByUs.add(service);
    this.expectedExit.add(service);
    await this.call(() => this.docker.getContainer(id).stop({ t: STOP_TIMEOUT_S }));
  }

  async start(service: string): Promise<void> {
    const id = await this.idOf(service);
    this.stoppedByUs.delete(service);
    await this.call(() => this.docker.getContainer(id).start());
  }

  /** Memory in use by the container (`memory_stats.usage` less the page cache), from one stats reading. */
  async memoryBytes(service: string): Promise<number | null> {
    const id = await this.idOf(service);
    const stats = statsSchema.parse(
      await this.call(() => this.docker.getContainer(id).stats({ stream: false })),
    );
    const usage = stats.memory_stats.usage;
    if (usage === undefined) return null;
    const cache =
      stats.memory_stats.stats?.inactive_file ?? stats.memory_stats.stats?.total_inactive_file ?? 0;
    return Math.max(0, usage - cache);
  }

  /**
   * Dangling images and the build cache (`POST /images/prune` with `dangling=true`, `POST /build/prune`):
   * never an image a container uses, never a volume. The socket proxy allows exactly these two calls.
   */
  async reclaimDisk(): Promise<{ images: number; buildCaches: number; bytes: number }> {
    const images = pruneImagesSchema.parse(
      await this.call(() => this.docker.pruneImages({ filters: { dangling: ['true'] } })),
    );
    const builds = pruneBuildSchema.parse(await this.call(() => this.docker.pruneBuilder()));
    return {
      images: images.ImagesDeleted?.length ?? 0,
      buildCaches: builds.CachesDeleted?.length ?? 0,
      bytes: (images.SpaceReclaimed ?? 0) + (builds.SpaceReclaimed ?? 0),
    };
  }

  /**
   * `GET /containers/{id}/logs?tail=N` (stdout and stderr, no follow): the container's last lines, given up
   * after LOG_TAIL_TIMEOUT_MS (an engine that hangs must not hold the assistant's answer).
   */
  async logTail(service: string, lines: number): Promise<string[]> {
    const id = await this.idOf(service);
    const raw: unknown = await this.call(() =>
      this.docker.getContainer(id).logs({
        stdout: true,
        stderr: true,
        tail: lines,
        follow: false,
        abortSignal: AbortSignal.timeout(LOG_TAIL_TIMEOUT_MS),
      }),
    );
    const text = Buffer.isBuffer(raw) ? demuxLogs(raw) : typeof raw === 'string' ? raw : '';
    return text
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .filter((line) => line.trim() !== '')
      .slice(-lines);
  }

  private async requestRecreate(dir: string, service: string, reason: string): Promise<void> {
    if (!/^[a-z0-9][a-z0-9_-]{0,62}$/.test(service)) {
      throw new NotFoundError('The runtime does not know this service.', 'service_not_found');
    }
    await this.idOf(service);
    const file = join(dir, `recreate-${service}.request`);
    // The old container's `die` is ours, not a crash to heal.
    this.expectedExit.add(service);
    let taken = false;
    try {
      await writeHostRequest(file, { service, reason }, new Date());
      taken = await hostTookRequest(file, this.options.recreateTakenMs ?? 30_000);
    } finally {
      if (!taken) {
        await rm(file, { force: true });
        this.expectedExit.delete(service);
      }
    }
    if (!taken) {
      throw new UnavailableError(
        'The host did not take the recreate request (is arasul-recreate-request.path installed?).',
        'host_unit_unavailable',
      );
    }
    // A new container has a new id: look it up again on next use.
    this.ids.delete(service);
  }

  async quarantine(service: string): Promise<void> {
    const id = await this.idOf(service);
    await this.call(() => this.docker.getContainer(id).update({ RestartPolicy: { Name: 'no' } }));
  }

  async release(service: string): Promise<void> {
    const id = await this.idOf(service);
    await this.call(() => this.docker.getContainer(id).update({ RestartPolicy: { Name: 'unless-stopped' } }));
    const state = inspectSchema.parse(await this.call(() => this.docker.getContainer(id).inspect())).State
      .Status;
    if (state !== 'running') await this.call(() => this.docker.getContainer(id).start());
  }

  async close(): Promise<void> {
    clearInterval(this.reconcileTimer);
    this.abort.abort();
    await this.loop;
  }

  private toService(name: string, c: z.infer<typeof inspectSchema>): RuntimeService {
    const health = c.State.Health?.Status;
    const state = STATES[c.State.Status] ?? 'unknown';
    const started = c.State.StartedAt ? Date.parse(c.State.StartedAt) : Number.NaN;
    return {
      name,
      state,
      ready: health === undefined ? null : state === 'running' && health === 'healthy',
      notReadyReason: health === undefined || health === 'healthy' ? null : `docker health: ${health}`,
      pid: c.State.Pid > 0 ? c.State.Pid : null,
      uptimeSeconds:
        state === 'running' && Number.isFinite(started)
          ? Math.max(0, Math.round((Date.now() - started) / 1000))
          : null,
      restarts: c.RestartCount,
      quarantined: c.HostConfig?.RestartPolicy?.Name === 'no',
      // `postgres-db:service_healthy:false,redis:service_started:false` → the services it needs.
      dependencies: (c.Config.Labels?.[DEPENDS_LABEL] ?? '')
        .split(',')
        .map((d) => d.split(':')[0] ?? '')
        .filter((d) => d.length > 0),
    };
  }

  private async idOf(service: string): Promise<string> {
    const known = this.ids.get(service);
    if (known) return known;
    await this.list();
    const id = this.ids.get(service);
    if (!id) throw new NotFoundError('The runtime does not know this service.', 'service_not_found');
    return id;
  }

  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404)
        throw new NotFoundError('The runtime does not know this service.', 'service_not_found');
      if (status === 304) return undefined as T; // already in that state
      throw new UnavailableError('The Docker engine (socket proxy) does not answer.', 'runtime_unavailable', {
        cause: error,
      });
    }
  }

  private async run(listener: (event: RuntimeEvent) => void): Promise<void> {
    let delay = 250;
    while (!this.abort.signal.aborted) {
      try {
        const stream = await this.docker.getEvents({
          filters: {
            type: ['container'],
            event: ['start', 'die', 'oom', 'health_status', 'stop', 'restart', 'pause', 'unpause'],
            label: [`${PROJECT_LABEL}=${this.options.project}`],
          },
          abortSignal: this.abort.signal,
        });
        listener({ type: 'snapshot', services: await this.list() });
        this.isConnected = true;
        delay = 250;
        let buffer = '';
        for await (const chunk of stream) {
          buffer += chunk.toString();
          let end = buffer.indexOf('\n');
          while (end >= 0) {
            const line = buffer.slice(0, end).trim();
            buffer = buffer.slice(end + 1);
            if (line) for (const event of this.toEvents(line)) listener(event);
            end = buffer.indexOf('\n');
          }
        }
        throw new Error('docker event stream ended');
      } catch (error) {
        if (aborted(this.abort.signal)) break;
        if (this.isConnected) {
          this.log.warn('docker event stream lost, reconnecting', errorMeta(error));
          listener({ type: 'disconnected', reason: error instanceof Error ? error.message : String(error) });
        }
        this.isConnected = false;
        await sleep(delay, undefined, { signal: this.abort.signal }).catch(() => undefined);
        delay = Math.min(delay * 2, 5000);
      }
    }
    this.isConnected = false;
  }

  private toEvents(line: string): RuntimeEvent[] {
    const parsed = eventSchema.safeParse(JSON.parse(line));
    if (!parsed.success) return [];
    const e = parsed.data;
    const service = e.Actor.Attributes[SERVICE_LABEL];
    if (!service) return [];
    this.ids.set(service, e.Actor.ID);
    const at = new Date(e.timeNano !== undefined ? e.timeNano / 1e6 : (e.time ?? Date.now() / 1000) * 1000);
    const action = e.Action;
    if (action === 'oom') {
      this.oomSeen.add(service);
      return [];
    }
    if (action === 'die') {
      const oom = this.oomSeen.delete(service);
      const expected = this.expectedExit.delete(service) || this.stoppedByUs.has(service);
      const code = Number(e.Actor.Attributes.exitCode ?? 'NaN');
      return [
        { type: 'state', service, state: 'exited', pid: null, at },
        {
          type: 'exited',
          service,
          code: Number.isFinite(code) ? code : null,
          signal: null,
          at,
          // A die we did not ask for: the restart policy (unless-stopped) brings it back.
          willRestart: !expected,
          oom,
        },
      ];
    }
    if (action === 'start') {
      this.expectedExit.delete(service);
      return [{ type: 'state', service, state: 'running', pid: null, at }];
    }
    if (action === 'stop') return [{ type: 'state', service, state: 'stopped', pid: null, at }];
    if (action === 'pause') return [{ type: 'state', service, state: 'paused', pid: null, at }];
    if (action === 'unpause') return [{ type: 'state', service, state: 'running', pid: null, at }];
    if (action.startsWith('health_status')) {
      const health = action.split(':')[1]?.trim();
      if (health !== 'healthy' && health !== 'unhealthy') return [];
      return [
        {
          type: 'readiness',
          service,
          ready: health === 'healthy',
          reason: health === 'healthy' ? null : 'docker health: unhealthy',
          at,
        },
      ];
    }
    return [];
  }
}

/** Read through a call: the signal is aborted while the stream is awaited (no stale narrowing). */
function aborted(signal: AbortSignal): boolean {
  return signal.aborted;
}

/**
 * The log of a container without a TTY comes multiplexed: frames of an 8-byte header (stream 0/1/2, three
 * zero bytes, the payload size as uint32 big-endian) followed by the payload. A container with a TTY sends
 * raw text, recognised by its first bytes not being such a header.
 */
export function demuxLogs(buffer: Buffer): string {
  const framed = (at: number): boolean =>
    at + 8 <= buffer.length &&
    (buffer[at] ?? 3) <= 2 &&
    buffer[at + 1] === 0 &&
    buffer[at + 2] === 0 &&
    buffer[at + 3] === 0;
  if (!framed(0)) return buffer.toString('utf8');
  const parts: Buffer[] = [];
  let at = 0;
  while (framed(at)) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, Math.min(buffer.length, at + 8 + size)));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}
