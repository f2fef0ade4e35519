/**
 * A wire-level fake of the Qdrant REST API, following Qdrant 1.13.x (the `qdrant/qdrant:v1.13.4` image of
 * docker-compose.yml; OpenAPI `docs/redoc/v1.13.x/openapi.json` of qdrant/qdrant): the same paths, JSON
 * envelopes (`{ result, status: "ok", time }`), error bodies (`{ status: { error } }` with the status Qdrant
 * uses) and semantics for what the document indexer uses, so `@qdrant/js-client-rest` runs unchanged:
 *
 * GET /, GET /collections/{c}/exists, GET/PUT/DELETE /collections/{c} (named dense vectors, Cosine/Dot),
 * PUT /collections/{c}/index, PUT /collections/{c}/points (upsert), POST /collections/{c}/points/delete
 * (by ids or filter), POST /collections/{c}/points/payload (set payload by filter or ids),
 * POST /collections/{c}/points/query (nearest by exact scan, with filter), POST /collections/{c}/points/scroll.
 * Filters: `must` / `must_not` of `{ key, match: { value | any } }` and `{ has_id: [...] }`.
 *
 * `stop()`/`start()` take the server away and bring it back on the same port; every request is recorded.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export const FAKE_QDRANT_VERSION = '1.13.4';

type Payload = Record<string, unknown>;
interface Point {
  id: string | number;
  vectors: Record<string, number[]>;
  payload: Payload;
}
interface Collection {
  vectors: Record<string, { size: number; distance: 'Cosine' | 'Dot' | 'Euclid' }>;
  points: Map<string, Point>;
  payloadIndexes: Record<string, string>;
}
interface Condition {
  key?: string;
  match?: { value?: unknown; any?: unknown[] };
  has_id?: (string | number)[];
}
interface Filter {
  must?: Condition[];
  must_not?: Condition[];
  should?: Condition[];
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function normalize(vector: number[]): number[] {
  const norm = Math.sqrt(vector.reduce((s, v) => s + v * v, 0));
  return norm === 0 ? vector : vector.map((v) => v / norm);
}

function matches(point: Point, condition: Condition): boolean {
  if (condition.has_id) return condition.has_id.map(String).includes(String(point.id));
  const value = condition.key === undefined ? undefined : point.payload[condition.key];
  if (condition.match?.any) return condition.match.any.includes(value);
  return value === condition.match?.value;
}

function passes(point: Point, filter: Filter | undefined): boolean {
  if (!filter) return true;
  if (filter.must && !filter.must.every((c) => matches(point, c))) return false;
  if (filter.must_not?.some((c) => matches(point, c))) return false;
  if (filter.should && filter.should.length > 0 && !filter.should.some((c) => matches(point, c)))
    return false;
  return true;
}

export class FakeQdrant {
  readonly collections = new Map<string, Collection>();
  readonly requests: { method: string; path: string }[] = [];
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname });
    const parts: Buffer[] = [];
    for await (const chunk of req) parts.push(chunk as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    try {
      const body = (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>;
      const result = this.route(req.method ?? 'GET', url.pathname, body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ result, status: 'ok', time: (performance.now() - started) / 1000 }));
    } catch (error) {
      const status = error instanceof HttpError ? error.status : 500;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: { error: error instanceof Error ? error.message : 'Service internal error' },
          time: (performance.now() - started) / 1000,
        }),
      );
    }
  }

  private collection(name: string): Collection {
    const found = this.collections.get(name);
    if (!found) throw new HttpError(404, `Not found: Collection \`${name}\` doesn't exist!`);
    return found;
  }

  private route(method: string, path: string, body: Record<string, unknown>): unknown {
    if (method === 'GET' && path === '/')
      return { title: 'qdrant - vector search engine', version: FAKE_QDRANT_VERSION };
    const match = /^\/collections\/([^/]+)(\/.*)?$/.exec(path);
    if (!match?.[1]) throw new HttpError(404, `Not found: ${path}`);
    const name = decodeURIComponent(match[1]);
    const rest = match[2] ?? '';
    switch (`${method} ${rest}`) {
      case 'GET /exists':
        return { exists: this.collections.has(name) };
      case 'GET ': {
        const c = this.collection(name);
        return {
          status: 'green',
          optimizer_status: 'ok',
          points_count: c.points.size,
          indexed_vectors_count: 0,
          segments_count: 1,
          config: { params: { vectors: c.vectors, shard_number: 1, replication_factor: 1 } },
          payload_schema: Object.fromEntries(
            Object.entries(c.payloadIndexes).map(([k, v]) => [k, { data_type: v, points: c.points.size }]),
          ),
        };
      }
      case 'PUT ': {
        if (this.collections.has(name))
          throw new HttpError(409, `Wrong input: Collection \`${name}\` already exists!`);
        const vectors = body.vectors as Collection['vectors'] | undefined;
        if (!vectors) throw new HttpError(400, 'Wrong input: vectors config is required');
        this.collections.set(name, { vectors, points: new Map(), payloadIndexes: {} });
        return true;
      }
      case 'DELETE ':
        return this.collections.delete(name);
      case 'PUT /index': {
        this.collection(name).payloadIndexes[String(body.field_name)] = String(body.field_schema);
        return { operation_id: 0, status: 'completed' };
      }
      case 'PUT /points':
        return this.upsert(this.collection(name), body);
      case 'POST /points/delete': {
        const c = this.collection(name);
        const ids = body.points as (string | number)[] | undefined;
        for (const [key, point] of [...c.points]) {
          if (ids ? ids.map(String).includes(key) : passes(point, body.filter as Filter))
            c.points.delete(key);
        }
        return { operation_id: 0, status: 'completed' };
      }
      case 'POST /points/payload': {
        const c = this.collection(name);
        const ids = body.points as (string | number)[] | undefined;
        for (const [key, point] of c.points) {
          if (ids ? ids.map(String).includes(key) : passes(point, body.filter as Filter)) {
            Object.assign(point.payload, body.payload as Payload);
          }
        }
        return { operation_id: 0, status: 'completed' };
      }
      case 'POST /points/query':
        return this.query(this.collection(name), body);
      case 'POST /points': {
        // Retrieve by ids; `with_vector` is true or a list of vector names.
        const c = this.collection(name);
        const ids = (body.ids as (string | number)[] | undefined)?.map(String) ?? [];
        const names = Array.isArray(body.with_vector)
          ? (body.with_vector as string[])
          : body.with_vector === true
            ? Object.keys(c.vectors)
            : [];
        return ids.flatMap((id) => {
          const p = c.points.get(id);
          if (!p) return [];
          return [
            {
              id: p.id,
              payload: body.with_payload === true ? p.payload : null,
              vector: names.length > 0 ? Object.fromEntries(names.map((n) => [n, p.vectors[n] ?? []])) : null,
            },
          ];
        });
      }
      case 'POST /points/scroll': {
        const c = this.collection(name);
        const sorted = [...c.points.values()]
          .filter((p) => passes(p, body.filter as Filter))
          .sort((a, b) => String(a.id).localeCompare(String(b.id)));
        const offset =
          typeof body.offset === 'string' || typeof body.offset === 'number' ? String(body.offset) : null;
        const start = offset === null ? 0 : sorted.findIndex((p) => String(p.id) >= offset);
        const limit = typeof body.limit === 'number' ? body.limit : 10;
        const page = start < 0 ? [] : sorted.slice(start, start + limit);
        const next = start < 0 ? undefined : sorted[start + limit];
        return {
          points: page.map((p) => ({ id: p.id, payload: body.with_payload === false ? null : p.payload })),
          next_page_offset: next ? next.id : null,
        };
      }
      default:
        throw new HttpError(404, `Not found: ${method} ${path}`);
    }
  }

  private upsert(c: Collection, body: Record<string, unknown>): unknown {
    const points = body.points as {
      id: string | number;
      vector: Record<string, number[]>;
      payload?: Payload;
    }[];
    for (const point of points) {
      for (const [vectorName, vector] of Object.entries(point.vector)) {
        const config = c.vectors[vectorName];
        if (!config) throw new HttpError(400, `Wrong input: Not existing vector name error: ${vectorName}`);
        if (vector.length !== config.size) {
          throw new HttpError(
            400,
            `Wrong input: Vector dimension error: expected dim: ${config.size}, got ${vector.length}`,
          );
        }
      }
    }
    for (const point of points) {
      const vectors = Object.fromEntries(
        Object.entries(point.vector).map(([n, v]) => [
          n,
          c.vectors[n]?.distance === 'Cosine' ? normalize(v) : v,
        ]),
      );
      c.points.set(String(point.id), { id: point.id, vectors, payload: { ...(point.payload ?? {}) } });
    }
    return { operation_id: 0, status: 'completed' };
  }

  private query(c: Collection, body: Record<string, unknown>): unknown {
    const using = typeof body.using === 'string' ? body.using : '';
    const config = c.vectors[using];
    if (!config) throw new HttpError(400, `Wrong input: Not existing vector name error: ${using}`);
    const raw = body.query as number[];
    if (raw.length !== config.size) {
      throw new HttpError(
        400,
        `Wrong input: Vector dimension error: expected dim: ${config.size}, got ${raw.length}`,
      );
    }
    const query = config.distance === 'Cosine' ? normalize(raw) : raw;
    const limit = typeof body.limit === 'number' ? body.limit : 10;
    const scored = [...c.points.values()]
      .filter((p) => passes(p, body.filter as Filter))
      .map((p) => ({ p, score: (p.vectors[using] ?? []).reduce((s, v, i) => s + v * (query[i] ?? 0), 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, limit);
    return {
      points: scored.map(({ p, score }) => ({
        id: p.id,
        version: 0,
        score,
        payload: body.with_payload === true ? p.payload : null,
      })),
    };
  }
}
