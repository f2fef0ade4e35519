/**
 * A wire-level fake of the Docker Engine API, following Engine API v1.47 (Docker 27.x,
 * https://docs.docker.com/reference/api/engine/version/v1.47/): the same paths (with or without the
 * `/v1.47` prefix), JSON shapes, status codes and error bodies (`{"message": "…"}`), served over HTTP on a
 * unix socket like the real daemon, so the code under test runs the real `dockerode` client against it.
 *
 * Implemented: GET /_ping, GET /version, GET /containers/json (`all`, `filters` with `label`),
 * GET /containers/{id}/json, GET /containers/{id}/stats (`stream=false`: memory), GET
 * /containers/{id}/logs (`stdout`, `stderr`, `tail`; no follow; multiplexed frames as for a container
 * without a TTY), POST
 * /containers/{id}/start|stop|restart|kill|update, POST /images/prune (`filters` `dangling`), POST
 * /build/prune, and GET /events (a streamed JSON object per line; `filters` with `type`/`event`/`label`
 * honoured).
 *
 * Scripting: `crash(service)` (the process dies: a `die` event, then Docker's restart policy acts as the
 * daemon would: `unless-stopped`/`always` restart it after `restartDelayMs`), `oom(service)`,
 * `setHealth(service, …)` (a `health_status: …` event, as the daemon emits after the healthcheck's
 * retries), `hangHealth` (stays unhealthy across restarts until cleared), `setMemory(service, bytes)`,
 * `writeLog(service, line, stream)` (a line the container's main process wrote),
 * `addImage` / `addBuildCache` (what a prune may remove), `recreate(service)` (what `docker compose up
 * --force-recreate` does: the old container is destroyed, a new one with a new id starts and turns
 * healthy). Every API call is recorded.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Socket } from 'node:net';

export const FAKE_DOCKER_API_VERSION = '1.47';

export type FakeHealth = 'starting' | 'healthy' | 'unhealthy';

export interface FakeContainerSpec {
  /** The compose service name (label `com.docker.compose.service`). */
  service: string;
  project?: string;
  /** Has a healthcheck (then `State.Health` exists). Default true. */
  healthcheck?: boolean;
  restartPolicy?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  /** `com.docker.compose.depends_on`, e.g. `postgres-db:service_healthy:false`. */
  dependsOn?: string[];
}

interface FakeContainer {
  id: string;
  name: string;
  spec: Required<FakeContainerSpec>;
  status: 'created' | 'running' | 'exited' | 'restarting' | 'paused' | 'dead';
  health: FakeHealth | null;
  stickyUnhealthy: boolean;
  pid: number;
  exitCode: number;
  oomKilled: boolean;
  restartCount: number;
  startedAt: string;
  finishedAt: string;
  manuallyStopped: boolean;
  memoryBytes: number;
  restartTimer?: NodeJS.Timeout;
  healthTimer?: NodeJS.Timeout;
  logs: { stream: 'stdout' | 'stderr'; line: string }[];
}

export interface FakeImage {
  id: string;
  size: number;
  /** Untagged and used by no container: what `docker image prune` removes. */
  dangling: boolean;
}

export interface RecordedDockerCall {
  method: string;
  path: string;
  at: number;
}

const VERSION_PREFIX = /^\/v1\.\d+(?=\/)/;

export class FakeDockerEngine {
  readonly socketPath: string;
  readonly calls: RecordedDockerCall[] = [];
  private readonly containers = new Map<string, FakeContainer>();
  private readonly streams = new Set<{ res: ServerResponse; filters: Record<string, string[]> }>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private nextPid = 1000;
  readonly images = new Map<string, FakeImage>();
  readonly buildCache = new Map<string, number>();

  constructor(
    specs: FakeContainerSpec[],
    private readonly options: { restartDelayMs?: number; project?: string } = {},
  ) {
    this.socketPath = `/tmp/fake-docker-${process.pid}-${randomBytes(4).toString('hex')}.sock`;
    for (const spec of specs) this.add(spec);
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server?.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    for (const c of this.containers.values()) {
      clearTimeout(c.restartTimer);
      clearTimeout(c.healthTimer);
    }
    // A timer that already fired must not write into an ended stream ("write after end").
    for (const s of this.streams) s.res.end();
    this.streams.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    rmSync(this.socketPath, { force: true });
  }

  container(service: string): FakeContainer {
    const found = [...this.containers.values()].find((c) => c.spec.service === service);
    if (!found) throw new Error(`fake docker: no container for service ${service}`);
    return found;
  }

  /** The main process dies (exit code 137 unless given); the restart policy acts like the daemon's. */
  crash(service: string, exitCode = 137): void {
    const c = this.container(service);
    this.die(c, exitCode);
    const policy = c.spec.restartPolicy;
    if (policy === 'always' || policy === 'unless-stopped' || (policy === 'on-failure' && exitCode !== 0)) {
      c.status = 'restarting';
      c.restartTimer = setTimeout(() => {
        c.restartCount += 1;
        this.run(c);
      }, this.options.restartDelayMs ?? 100);
    }
  }

  /** A line the container's main process wrote (what `docker logs` shows). */
  writeLog(service: string, line: string, stream: 'stdout' | 'stderr' = 'stdout'): void {
    this.container(service).logs.push({ stream, line });
  }

  setMemory(service: string, bytes: number): void {
    this.container(service).memoryBytes = bytes;
  }

  addImage(image: FakeImage): void {
    this.images.set(image.id, image);
  }

  addBuildCache(id: string, size: number): void {
    this.buildCache.set(id, size);
  }

  oom(service: string): void {
    const c = this.container(service);
    c.oomKilled = true;
    this.emit(c, 'oom');
    this.crash(service, 137);
  }

  /** `docker compose up -d --force-recreate <service>`: the container is replaced by a fresh one. */
  recreate(service: string): void {
    const old = this.container(service);
    clearTimeout(old.restartTimer);
    clearTimeout(old.healthTimer);
    old.status = 'exited';
    this.emit(old, 'kill');
    this.emit(old, 'die', { exitCode: '0' });
    this.emit(old, 'destroy');
    this.containers.delete(old.id);
    // Like the daemon: `health: starting`, then the first check's `health_status: healthy` event.
    this.add(old.spec, false);
  }

  setHealth(service: string, health: FakeHealth, sticky = false): void {
    const c = this.container(service);
    c.stickyUnhealthy = sticky && health === 'unhealthy';
    this.changeHealth(c, health);
  }

  /** `settled`: the box as the test finds it, healthy from the start (no health events). */
  private add(spec: FakeContainerSpec, settled = true): void {
    const id = randomBytes(32).toString('hex');
    const project = spec.project ?? this.options.project ?? 'arasul';
    const c: FakeContainer = {
      id,
      name: `/${project}-${spec.service}-1`,
      spec: {
        service: spec.service,
        project,
        healthcheck: spec.healthcheck ?? true,
        restartPolicy: spec.restartPolicy ?? 'unless-stopped',
        dependsOn: spec.dependsOn ?? [],
      },
      status: 'created',
      health: null,
      stickyUnhealthy: false,
      pid: 0,
      exitCode: 0,
      oomKilled: false,
      restartCount: 0,
      startedAt: '0001-01-01T00:00:00Z',
      finishedAt: '0001-01-01T00:00:00Z',
      manuallyStopped: false,
      memoryBytes: 64 * 1024 * 1024,
      logs: [],
    };
    this.containers.set(id, c);
    this.run(c);
    if (settled && c.health !== null) c.health = 'healthy';
  }

  private run(c: FakeContainer): void {
    c.status = 'running';
    c.pid = this.nextPid++;
    c.startedAt = new Date().toISOString();
    c.oomKilled = false;
    c.manuallyStopped = false;
    this.emit(c, 'start');
    if (c.spec.healthcheck) {
      c.health = 'starting';
      clearTimeout(c.healthTimer);
      c.healthTimer = setTimeout(() => {
        if (c.status === 'running') this.changeHealth(c, c.stickyUnhealthy ? 'unhealthy' : 'healthy');
      }, 50).unref();
    }
  }

  private die(c: FakeContainer, exitCode: number): void {
    clearTimeout(c.restartTimer);
    c.status = 'exited';
    c.exitCode = exitCode;
    c.pid = 0;
    c.finishedAt = new Date().toISOString();
    if (c.health !== null) c.health = 'unhealthy';
    this.emit(c, 'die', { exitCode: String(exitCode) });
  }

  private changeHealth(c: FakeContainer, health: FakeHealth): void {
    if (c.health === health) return;
    c.health = health;
    if (health !== 'starting') this.emit(c, `health_status: ${health}`);
  }

  private emit(c: FakeContainer, action: string, extra: Record<string, string> = {}): void {
    const now = Date.now();
    const event = {
      status: action,
      id: c.id,
      from: `arasul/${c.spec.service}:local`,
      Type: 'container',
      Action: action,
      Actor: { ID: c.id, Attributes: { ...this.labels(c), name: c.name.slice(1), ...extra } },
      scope: 'local',
      time: Math.floor(now / 1000),
      timeNano: now * 1_000_000,
    };
    for (const stream of this.streams) {
      if (
        !matches(stream.filters, {
          type: 'container',
          event: action.split(':')[0] ?? action,
          labels: this.labels(c),
        })
      )
        continue;
      if (!stream.res.writableEnded) stream.res.write(`${JSON.stringify(event)}\n`);
    }
  }

  private labels(c: FakeContainer): Record<string, string> {
    return {
      'com.docker.compose.project': c.spec.project,
      'com.docker.compose.service': c.spec.service,
      'com.docker.compose.depends_on': c.spec.dependsOn.join(','),
    };
  }

  private summary(c: FakeContainer): Record<string, unknown> {
    const health =
      c.health === null ? '' : c.health === 'starting' ? ' (health: starting)' : ` (${c.health})`;
    return {
      Id: c.id,
      Names: [c.name],
      Image: `arasul/${c.spec.service}:local`,
      State: c.status,
      Status: c.status === 'running' ? `Up 1 minute${health}` : `Exited (${c.exitCode}) 1 second ago`,
      Labels: this.labels(c),
    };
  }

  private inspect(c: FakeContainer): Record<string, unknown> {
    return {
      Id: c.id,
      Name: c.name,
      RestartCount: c.restartCount,
      State: {
        Status: c.status,
        Running: c.status === 'running',
        Paused: c.status === 'paused',
        Restarting: c.status === 'restarting',
        OOMKilled: c.oomKilled,
        Dead: c.status === 'dead',
        Pid: c.pid,
        ExitCode: c.exitCode,
        Error: '',
        StartedAt: c.startedAt,
        FinishedAt: c.finishedAt,
        ...(c.health === null
          ? {}
          : { Health: { Status: c.health, FailingStreak: c.health === 'unhealthy' ? 3 : 0, Log: [] } }),
      },
      HostConfig: { RestartPolicy: { Name: c.spec.restartPolicy, MaximumRetryCount: 0 } },
      Config: { Labels: this.labels(c) },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://docker');
    const path = url.pathname.replace(VERSION_PREFIX, '');
    const method = req.method ?? 'GET';
    this.calls.push({ method, path, at: Date.now() });
    const body = await readBody(req);
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'api-version': FAKE_DOCKER_API_VERSION });
      res.end(JSON.stringify(value));
    };
    const fail = (status: number, message: string) => json(status, { message });

    if (path === '/_ping') {
      res.writeHead(200, { 'content-type': 'text/plain', 'api-version': FAKE_DOCKER_API_VERSION });
      return void res.end('OK');
    }
    if (path === '/version') {
      json(200, { Version: '27.5.1', ApiVersion: FAKE_DOCKER_API_VERSION, MinAPIVersion: '1.24' });
      return;
    }
    if (path === '/events' && method === 'GET') {
      const filters = parseFilters(url.searchParams.get('filters'));
      res.writeHead(200, { 'content-type': 'application/json', 'api-version': FAKE_DOCKER_API_VERSION });
      res.flushHeaders();
      const entry = { res, filters };
      this.streams.add(entry);
      req.once('close', () => this.streams.delete(entry));
      return;
    }
    if (path === '/containers/json' && method === 'GET') {
      const all = url.searchParams.get('all') === 'true' || url.searchParams.get('all') === '1';
      const filters = parseFilters(url.searchParams.get('filters'));
      json(
        200,
        [...this.containers.values()]
          .filter((c) => all || c.status === 'running')
          .filter((c) => matches(filters, { labels: this.labels(c) }))
          .map((c) => this.summary(c)),
      );
      return;
    }
    if (path === '/images/prune' && method === 'POST') {
      const dangling = parseFilters(url.searchParams.get('filters')).dangling?.[0];
      // Without `dangling=false` Docker removes dangling images only; the fake never removes used ones.
      const removed = [...this.images.values()].filter((i) => i.dangling || dangling === 'false');
      for (const image of removed) this.images.delete(image.id);
      json(200, {
        ImagesDeleted: removed.map((i) => ({ Deleted: i.id })),
        SpaceReclaimed: removed.reduce((sum, i) => sum + i.size, 0),
      });
      return;
    }
    if (path === '/build/prune' && method === 'POST') {
      const removed = [...this.buildCache.entries()];
      this.buildCache.clear();
      json(200, {
        CachesDeleted: removed.map(([id]) => id),
        SpaceReclaimed: removed.reduce((sum, [, size]) => sum + size, 0),
      });
      return;
    }
    const match = /^\/containers\/([^/]+)\/(json|stats|logs|start|stop|restart|kill|update)$/.exec(path);
    if (!match) {
      fail(404, 'page not found');
      return;
    }
    const [, ref = '', op = ''] = match;
    const c = [...this.containers.values()].find(
      (x) => x.id === ref || x.id.startsWith(ref) || x.name === `/${ref}`,
    );
    if (!c) {
      fail(404, `No such container: ${ref}`);
      return;
    }
    if (op === 'json' && method === 'GET') {
      json(200, this.inspect(c));
      return;
    }
    if (op === 'stats' && method === 'GET') {
      const running = c.status === 'running';
      json(200, {
        id: c.id,
        name: c.name,
        read: new Date().toISOString(),
        memory_stats: running
          ? { usage: c.memoryBytes, limit: 8 * 1024 ** 3, stats: { inactive_file: 0 } }
          : {},
      });
      return;
    }
    if (op === 'logs' && method === 'GET') {
      const wanted = (name: string) => ['1', 'true'].includes(url.searchParams.get(name) ?? '');
      if (!wanted('stdout') && !wanted('stderr')) {
        fail(400, 'You must choose at least one stream');
        return;
      }
      const tail = url.searchParams.get('tail');
      const lines = c.logs.filter((l) => wanted(l.stream));
      const count =
        tail === null || tail === 'all' ? lines.length : Math.max(0, Math.floor(Number(tail) || 0));
      const shown = count === 0 ? [] : lines.slice(-count);
      // One frame per line: stream (1 stdout, 2 stderr), three zero bytes, the payload size (uint32 BE).
      const frames = shown.map(({ stream, line }) => {
        const payload = Buffer.from(`${line}\n`);
        const header = Buffer.alloc(8);
        header[0] = stream === 'stdout' ? 1 : 2;
        header.writeUInt32BE(payload.length, 4);
        return Buffer.concat([header, payload]);
      });
      res.writeHead(200, {
        'content-type': 'application/vnd.docker.multiplexed-stream',
        'api-version': FAKE_DOCKER_API_VERSION,
      });
      res.end(Buffer.concat(frames));
      return;
    }
    if (method !== 'POST') {
      fail(405, 'method not allowed');
      return;
    }
    switch (op) {
      case 'start':
        if (c.status === 'running') {
          res.writeHead(304);
          return void res.end();
        }
        this.run(c);
        break;
      case 'stop':
      case 'kill':
        if (c.status !== 'running') {
          res.writeHead(304);
          return void res.end();
        }
        c.manuallyStopped = true;
        this.emit(c, 'kill', { signal: op === 'kill' ? '9' : '15' });
        this.die(c, op === 'kill' ? 137 : 0);
        this.emit(c, 'stop');
        break;
      case 'restart':
        if (c.status === 'running') {
          this.emit(c, 'kill', { signal: '15' });
          this.die(c, 0);
        }
        this.run(c);
        this.emit(c, 'restart');
        break;
      case 'update': {
        const update = JSON.parse(body || '{}') as { RestartPolicy?: { Name?: string } };
        const name = update.RestartPolicy?.Name;
        if (name === 'no' || name === 'always' || name === 'unless-stopped' || name === 'on-failure') {
          c.spec.restartPolicy = name;
          if (name === 'no' && c.status === 'restarting') {
            // The pending policy restart is dropped: the container stays exited, as the daemon leaves it.
            clearTimeout(c.restartTimer);
            c.status = 'exited';
          }
        }
        json(200, { Warnings: [] });
        return;
      }
    }
    res.writeHead(204);
    res.end();
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}

/** Docker's `filters` query: JSON of `{ key: [values] }` (or the legacy `{ key: { value: true } }`). */
function parseFilters(raw: string | null): Record<string, string[]> {
  if (!raw) return {};
  const parsed = JSON.parse(raw) as Record<string, string[] | Record<string, boolean>>;
  return Object.fromEntries(
    Object.entries(parsed).map(([k, v]) => [
      k,
      Array.isArray(v) ? v : Object.keys(v).filter((key) => v[key]),
    ]),
  );
}

function matches(
  filters: Record<string, string[]>,
  subject: { type?: string; event?: string; labels: Record<string, string> },
): boolean {
  if (filters.type && subject.type !== undefined && !filters.type.includes(subject.type)) return false;
  if (filters.event && subject.event !== undefined && !filters.event.includes(subject.event)) return false;
  for (const label of filters.label ?? []) {
    const [key = '', value] = label.split('=');
    if (!(key in subject.labels)) return false;
    if (value !== undefined && subject.labels[key] !== value) return false;
  }
  return true;
}
