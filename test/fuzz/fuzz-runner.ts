import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { API_SCOPES, type ApiScope, type Role } from '@arasul/service-kit';
import { canonicalPath, splitUrl } from '../../services/gateway/src/routing/canonical-path';
import {
  ROUTES,
  UPSTREAMS,
  isApiPath,
  type UpstreamName,
} from '../../services/gateway/src/routing/route-table';
import { ACCESS, ENDS_OWN_SESSION, type Access } from './access-table';
import type { FuzzPlatform } from './fuzz-platform';
import { listRoutes, type RouteSpec } from './route-inventory';

/** The services whose code is in this repository (the others' prefixes are probed without an identity). */
const BUILT: readonly UpstreamName[] = [
  'auth',
  'llm-queue',
  'metrics-collector',
  'document-indexer',
  'self-healing-agent',
  'telegram-notifier',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
const STREAM_READ_MS = 300;
const CHUNK = 500;
const REQUEST_TIMEOUT_MS = 15_000;
const BODY_KEEP_BYTES = 64 * 1024;

export interface FuzzIdentity {
  name: string;
  kind: 'anonymous' | 'jwt' | 'key';
  role?: Role;
  scope?: ApiScope;
  headers: Record<string, string>;
}

export interface FuzzTarget extends RouteSpec {
  access: Access | null;
  upstream: UpstreamName;
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface FuzzCase {
  target: number;
  identity: number;
  pathMode: 'plain' | 'trailing-slash' | 'encoded-unreserved' | 'dot-attack';
  attack: string;
  param: string;
  wrongMethod: string | null;
  body: BodyCase;
  headers: Record<string, string>;
  query: string;
}

type BodyCase =
  | { kind: 'none' }
  | { kind: 'json'; value: unknown }
  | { kind: 'raw'; contentType: string; text: string }
  | { kind: 'huge'; bytes: number };

export interface Violation {
  request: string;
  identity: string;
  status: number;
  reason: string;
  body: string;
}

export interface FuzzReport {
  requests: number;
  apiRequests: number;
  byStatus: Record<string, number>;
  /** The first 200 violations … */
  violations: Violation[];
  /** … and how many there were in all. */
  violationCount: number;
  serverErrors: number;
  elapsedMs: number;
}

/** Every route of the built services, joined to the access table; routes the gateway never routes are left out. */
export function fuzzTargets(platform: FuzzPlatform): { targets: FuzzTarget[]; unlisted: string[] } {
  const targets: FuzzTarget[] = [];
  const unlisted: string[] = [];
  for (const upstream of BUILT) {
    const app = platform.apps[upstream as keyof FuzzPlatform['apps']];
    for (const route of listRoutes(app)) {
      const owner = ROUTES.find((r) => route.path === r.prefix || route.path.startsWith(`${r.prefix}/`));
      if (owner === undefined) continue; // /health/*, /internal/*: not reachable through the gateway
      const key = `${route.method} ${route.path}`;
      const access = ACCESS[key];
      if (access === undefined) unlisted.push(key);
      targets.push({ ...route, upstream, access: access ?? null });
    }
  }
  // The other services' prefixes: nothing is installed behind them here, so only the edge is checked.
  for (const route of ROUTES) {
    if (BUILT.includes(route.upstream)) continue;
    for (const method of ['GET', 'POST'])
      targets.push({ method, path: `${route.prefix}/x`, upstream: route.upstream, access: null });
  }
  return { targets, unlisted };
}

/** A real user session per role and one API key per scope, all made through the gateway like a client would. */
export async function prepareIdentities(client: FuzzClient): Promise<FuzzIdentity[]> {
  const password = 'Fuzz-Passw0rd-long-enough!';
  const setup = await client.json('POST', '/api/auth/setup', { username: 'fuzzadmin', password });
  if (setup.status !== 201) throw new Error(`setup failed: ${String(setup.status)} ${setup.body}`);
  const adminToken = (JSON.parse(setup.body) as { accessToken: string }).accessToken;
  const adminHeaders = { authorization: `Bearer ${adminToken}` };
  const identities: FuzzIdentity[] = [
    { name: 'anonymous', kind: 'anonymous', headers: {} },
    { name: 'admin', kind: 'jwt', role: 'admin', headers: adminHeaders },
  ];
  for (const role of ['viewer', 'operator'] as const) {
    const username = `fuzz${role}`;
    const created = await client.json('POST', '/api/users', { username, password, role }, adminHeaders);
    if (created.status !== 201) throw new Error(`user ${role}: ${String(created.status)} ${created.body}`);
    const login = await client.json('POST', '/api/auth/login', { username, password });
    if (login.status !== 200) throw new Error(`login ${role}: ${String(login.status)} ${login.body}`);
    const token = (JSON.parse(login.body) as { accessToken: string }).accessToken;
    identities.push({ name: role, kind: 'jwt', role, headers: { authorization: `Bearer ${token}` } });
  }
  for (const scope of API_SCOPES) {
    const created = await client.json(
      'POST',
      '/api/api-keys',
      { name: `fuzz ${scope}`, scopes: [scope], rateLimitPerMinute: 100_000 },
      adminHeaders,
    );
    if (created.status !== 201) throw new Error(`key ${scope}: ${String(created.status)} ${created.body}`);
    const key = (JSON.parse(created.body) as { key: string }).key;
    identities.push({ name: `key:${scope}`, kind: 'key', scope, headers: { 'x-api-key': key } });
  }
  return identities;
}

/** Whether the gateway treats the request as an API request (and so must audit it): canonical path, or raw when refused. */
function isApiRequest(url: string): boolean {
  const { path } = splitUrl(url);
  try {
    return isApiPath(canonicalPath(path));
  } catch {
    return isApiPath(path.replaceAll('\\', '/'));
  }
}

/** Raw HTTP to the gateway: the path goes out byte for byte (fetch would normalise `..` away). */
export class FuzzClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  sent = 0;
  apiSent = 0;

  constructor(private readonly port: number) {}

  json(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.send(
      method,
      path,
      headers,
      body === undefined
        ? undefined
        : {
            contentType: 'application/json',
            data: Buffer.from(JSON.stringify(body)),
          },
    );
  }

  send(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: { contentType: string; data: Buffer },
  ): Promise<FuzzResponse> {
    this.sent += 1;
    if (isApiRequest(path)) this.apiSent += 1;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: this.port,
          method,
          path,
          agent: body && body.data.length > 64 * 1024 ? false : this.agent,
          headers: {
            ...headers,
            ...(body ? { 'content-type': body.contentType, 'content-length': String(body.data.length) } : {}),
            // The gateway may refuse a large body before reading it and close: never reuse that socket.
            ...(body && body.data.length > 64 * 1024 ? { connection: 'close' } : {}),
          },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let kept = 0;
          const contentType = res.headers['content-type'] ?? '';
          const streaming = /event-stream|ndjson/.test(contentType);
          const finish = () => {
            resolve({
              status: res.statusCode ?? 0,
              contentType,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          };
          res.on('data', (chunk: Buffer) => {
            if (kept < BODY_KEEP_BYTES) chunks.push(chunk);
            kept += chunk.length;
          });
          res.on('end', finish);
          res.on('error', finish);
          res.on('aborted', finish);
          if (streaming) {
            // A stream may run for long: read its beginning, then hang up like an impatient client.
            setTimeout(() => {
              res.destroy();
              finish();
            }, STREAM_READ_MS).unref();
          }
        },
      );
      req.on('timeout', () => req.destroy(new Error(`timeout: ${method} ${path}`)));
      req.on('error', (error: NodeJS.ErrnoException) => {
        // The gateway may answer (413) and close before the whole body is sent: that answer already counted.
        if (error.code === 'EPIPE' || error.code === 'ECONNRESET')
          resolve({ status: 0, contentType: '', body: '' });
        else reject(error);
      });
      if (body) req.end(body.data);
      else req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------- generators

const hostileString = fc.oneof(
  {
    weight: 30,
    arbitrary: fc.constantFrom(
      'a\u0000b',
      '\u0000',
      '\ud800',
      'x\udfff',
      '\ud83d\ude00 emoji',
      '\u202egnp.exe',
      "'; DROP TABLE admin_users; --",
      '<script>alert(1)</script>',
      '../../etc/passwd',
      '${jndi:ldap://x}',
      '',
      ' ',
      'qwen3:8b',
      'fuzzadmin',
    ),
  },
  { weight: 15, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 10, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 4, arbitrary: fc.integer({ min: 300, max: 5000 }).map((n) => 'x'.repeat(n)) },
  // Over-long: beyond every field's limit and several services' body limits.
  { weight: 1, arbitrary: fc.constant('y'.repeat(120_000)) },
);

const hostileNumber = fc.oneof(
  fc.constantFrom(0, -1, 1, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, -1e308, 0.5, 999_999_999),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

const FIELD_NAMES = [
  'username',
  'password',
  'email',
  'role',
  'isActive',
  'name',
  'description',
  'scopes',
  'expiresAt',
  'rateLimitPerMinute',
  'allowedEndpoints',
  'message',
  'title',
  'conversationId',
  'model',
  'priority',
  'options',
  'stream',
  'think',
  'messages',
  'prompt',
  'input',
  'content',
  'query',
  'q',
  'limit',
  'before',
  'currentPassword',
  'newPassword',
  'threshold',
  'warning',
  'critical',
  'enabled',
  'key',
  'num_ctx',
  'temperature',
  'format',
  'keep_alive',
  '__proto__',
  'constructor',
  'x\u0000y',
];

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  { weight: 3, arbitrary: hostileNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const jsonValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...FIELD_NAMES), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** A plausible body: the fields a route might know, each with a hostile value, plus unknown ones. */
const objectBody = fc.dictionary(fc.constantFrom(...FIELD_NAMES), jsonValue, { minKeys: 1, maxKeys: 8 });

function deeplyNested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i += 1) value = i % 2 === 0 ? { a: value } : [value];
  return value;
}

const bodyCase: fc.Arbitrary<BodyCase> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'none' as const }) },
  { weight: 16, arbitrary: objectBody.map((value) => ({ kind: 'json' as const, value })) },
  { weight: 4, arbitrary: jsonValue.map((value) => ({ kind: 'json' as const, value })) },
  {
    weight: 2,
    arbitrary: fc
      .integer({ min: 50, max: 3000 })
      .map((d) => ({ kind: 'json' as const, value: deeplyNested(d) })),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      contentType: fc.constantFrom(
        'application/json',
        'application/json; charset=latin1',
        'application/json; charset=utf-16',
        'text/plain',
        'application/xml',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/octet-stream',
      ),
      text: fc.constantFrom(
        '{"a":',
        '{{}}',
        '[1,2',
        '{"message":"\\u0000"}',
        '{"message":"\\ud800"}',
        'null',
        '"just a string"',
        '<xml/>',
        'a=1&b=2',
        '\u0000\u0001\u0002',
        '{"username":"fuzzadmin","password":"x"}',
        '',
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(1_100_000, 2_000_000).map((bytes) => ({ kind: 'huge' as const, bytes })),
  },
);

const headerCase = fc.record(
  {
    'x-arasul-identity': fc.constantFrom('eyJhbGciOiJub25lIn0.eyJpZG4iOnsidXNlcklkIjoxfX0.', 'forged'),
    'x-arasul-user': fc.constantFrom('1', 'admin'),
    'x-forwarded-for': fc.constantFrom('203.0.113.7', '127.0.0.1, 10.0.0.1', 'garbage'),
    'x-request-id': fc.constantFrom('ok-id', 'x'.repeat(300), 'bad id with spaces'),
    accept: fc.constantFrom('text/event-stream', 'application/x-ndjson', '*/*'),
  },
  { requiredKeys: [] },
);

const PARAMS = [
  '999999',
  '0',
  '-1',
  'abc',
  '2147483648',
  '00000000-0000-4000-8000-000000000000',
  '1e3',
  'x'.repeat(300),
  '%F0%9F%98%80',
  '%E2%80%AE',
  'a%20b',
  'NaN',
  'nomodel:latest',
  'cpu',
];
const ATTACKS = ['/../', '/%2e%2e/', '/.%2E/', '/./', '%2f..%2f', '\\..\\', '//', '/%2F/', '/%00/', '/%zz/'];

export function caseArbitrary(targets: number, identities: number): fc.Arbitrary<FuzzCase> {
  return fc.record({
    target: fc.nat({ max: targets - 1 }),
    identity: fc.nat({ max: identities - 1 }),
    pathMode: fc.constantFrom(
      'plain',
      'plain',
      'plain',
      'trailing-slash',
      'encoded-unreserved',
      'dot-attack',
    ),
    attack: fc.constantFrom(...ATTACKS),
    param: fc.constantFrom(...PARAMS),
    wrongMethod: fc.option(fc.constantFrom(...METHODS), { freq: 6 }),
    body: bodyCase,
    headers: headerCase,
    query: fc.constantFrom(
      '',
      '',
      '?limit=-1',
      '?limit=99999999999',
      '?q=%00',
      '?q=%ud800',
      '?before=yesterday',
      '?conversationId=..%2F',
      '?a[b]=1&a[c]=2',
      '?range=1h',
    ),
  });
}

// ---------------------------------------------------------------------------------------- one case

interface Built {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: { contentType: string; data: Buffer };
  /** What the access table says must happen, when it applies to this request. */
  expect: 'any' | 'invalid_path' | 'unauthorized' | 'forbidden' | 'allowed' | 'not_unauthorized';
}

function fillPath(path: string, param: string): string {
  return path.replace(/:[a-z]+/gi, param).replace(/\*[a-z]+/gi, param);
}

function encodeOneLetter(path: string): string {
  const index = path.search(/[a-z]/i);
  if (index < 0) return path;
  const code = path.charCodeAt(index).toString(16).toUpperCase();
  return `${path.slice(0, index)}%${code}${path.slice(index + 1)}`;
}

function insertAttack(path: string, attack: string): string {
  const cut = path.indexOf('/', 1);
  return cut < 0 ? `${path}${attack}x` : `${path.slice(0, cut)}${attack}${path.slice(cut + 1)}`;
}

export function buildRequest(c: FuzzCase, target: FuzzTarget, identity: FuzzIdentity): Built {
  const routeKey = `${target.method} ${target.path}`;
  // A session-ending route would sign our fixtures out: users reach it only without their session.
  // Prefixes of services not installed here are checked at the edge only, without an identity (with one,
  // the gateway would rightly answer 503 upstream_unavailable).
  const anonymous = { ...identity, kind: 'anonymous' as const, headers: {} };
  const who =
    (identity.kind === 'jwt' && ENDS_OWN_SESSION.has(routeKey)) || target.access === null
      ? anonymous
      : identity;
  let path = fillPath(target.path, c.param);
  if (c.pathMode === 'trailing-slash') path = `${path}/`;
  if (c.pathMode === 'encoded-unreserved') path = encodeOneLetter(path);
  if (c.pathMode === 'dot-attack') path = insertAttack(path, c.attack);
  const method = c.wrongMethod ?? target.method;
  const headers: Record<string, string> = { ...c.headers, ...who.headers };
  let body: Built['body'];
  if (c.body.kind === 'json')
    body = {
      contentType: 'application/json',
      data: Buffer.from((JSON.stringify(c.body.value) as string | undefined) ?? 'null'),
    };
  if (c.body.kind === 'raw')
    body = { contentType: c.body.contentType, data: Buffer.from(c.body.text, 'utf8') };
  if (c.body.kind === 'huge')
    body = { contentType: 'application/json', data: Buffer.alloc(c.body.bytes, 0x20) };
  if (method === 'GET' && c.body.kind !== 'none' && c.body.kind !== 'json') body = undefined;

  let expect: Built['expect'] = 'any';
  const access = target.access;
  if (c.pathMode === 'dot-attack') expect = 'invalid_path';
  else if (access === null) expect = who.kind === 'anonymous' ? 'unauthorized' : 'any';
  else if (method !== target.method)
    expect = who.kind === 'anonymous' && !isAnonymousKey(method, target.path) ? 'unauthorized' : 'any';
  else if (access.anonymous) expect = 'any';
  else if (who.kind === 'anonymous') expect = 'unauthorized';
  // Services parse bodies before routing, so a malformed or oversized body may be refused (400/413) before
  // the role check: for those, only "an authenticated caller is never told 401" holds.
  else if (!parsesEverywhere(c.body, body)) expect = 'not_unauthorized';
  else expect = permitted(access, who) ? 'allowed' : 'forbidden';
  return { method, path: `${path}${c.query}`, headers, ...(body ? { body } : {}), expect };
}

/** A body every service's JSON parser accepts (no body, or a JSON object/array under the smallest limit, 16 kB). */
function parsesEverywhere(c: BodyCase, body: Built['body']): boolean {
  if (body === undefined) return true;
  return c.kind === 'json' && typeof c.value === 'object' && c.value !== null && body.data.length < 16 * 1024;
}

function isAnonymousKey(method: string, path: string): boolean {
  return ACCESS[`${method} ${path}`]?.anonymous === true;
}

function permitted(access: Access, identity: FuzzIdentity): boolean {
  if (access.anonymous) return true;
  if (identity.kind === 'key') return access.scope !== undefined && identity.scope === access.scope;
  const order: Role[] = ['viewer', 'operator', 'admin'];
  return identity.role !== undefined && order.indexOf(identity.role) >= order.indexOf(access.role);
}

const LEAKS = [
  /\bat [\w.<>]+ \(.*:\d+:\d+\)/, // a stack frame
  /node_modules\//,
  /\b(SELECT|INSERT INTO|UPDATE|DELETE FROM)\b[\s\S]{0,80}\b(FROM|VALUES|SET|WHERE)\b/,
  /syntax error at or near|violates (?:foreign key|unique|check) constraint|invalid input syntax for/i,
];

function codeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown } | string };
    return typeof parsed.error === 'object' && typeof parsed.error.code === 'string'
      ? parsed.error.code
      : undefined;
  } catch {
    return undefined;
  }
}

const DENIED = new Set(['unauthorized', 'insufficient_role', 'insufficient_scope', 'invalid_identity']);

export function judge(built: Built, response: FuzzResponse): string | null {
  const { status, body } = response;
  if (status === 0) return built.body && built.body.data.length > 1_000_000 ? null : 'no answer';
  if (status >= 500) return `server error ${String(status)}`;
  for (const leak of LEAKS) if (leak.test(body)) return `leaks internals (${leak.source.slice(0, 30)})`;
  const code = codeOf(body);
  switch (built.expect) {
    case 'invalid_path':
      return status === 400 && code === 'invalid_path'
        ? null
        : 'dot segments must be refused with 400 invalid_path';
    case 'unauthorized':
      return status === 401 ? null : 'an anonymous caller must get 401';
    case 'forbidden':
      // The Ollama facade answers in Ollama's shape ({"error": "…"}), so the status is what counts.
      return status === 403 &&
        (code === undefined || code === 'insufficient_role' || code === 'insufficient_scope')
        ? null
        : 'an identity without the role/scope must get 403';
    case 'allowed':
      return status === 401 || (status === 403 && code !== undefined && DENIED.has(code))
        ? 'an identity with the role/scope was refused'
        : null;
    case 'not_unauthorized':
      return status === 401 ? 'an authenticated caller got 401' : null;
    case 'any':
      return null;
  }
}

// ---------------------------------------------------------------------------------------- the run

export async function runFuzz(options: {
  platform: FuzzPlatform;
  client: FuzzClient;
  identities: FuzzIdentity[];
  targets: FuzzTarget[];
  seed: number;
  runs: number;
  concurrency: number;
  /** Told about every request that took longer than 2 s (diagnostics). */
  onSlow?: (line: string) => void;
  /** Called after every `progressEvery` requests with the counts so far (long runs). */
  onProgress?: (done: number, serverErrors: number, violations: number) => void;
  progressEvery?: number;
}): Promise<FuzzReport> {
  const { client, identities, targets } = options;
  // Cases are drawn in chunks (seed + chunk number), so a long run never holds 100,000 bodies in memory.
  const arbitrary = caseArbitrary(targets.length, identities.length);
  const chunks = new Map<number, FuzzCase[]>();
  const caseAt = (index: number): FuzzCase | undefined => {
    if (index >= options.runs) return undefined;
    const chunk = Math.floor(index / CHUNK);
    let cases = chunks.get(chunk);
    if (cases === undefined) {
      cases = fc.sample(arbitrary, { seed: options.seed + chunk, numRuns: CHUNK });
      chunks.set(chunk, cases);
      chunks.delete(chunk - 2);
    }
    return cases[index % CHUNK];
  };
  const started = performance.now();
  const byStatus: Record<string, number> = {};
  const violations: Violation[] = [];
  let serverErrors = 0;
  let violationCount = 0;
  let done = 0;
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      next += 1;
      const c = caseAt(index);
      if (c === undefined) return;
      const target = targets[c.target];
      const identity = identities[c.identity];
      if (target === undefined || identity === undefined) continue;
      const built = buildRequest(c, target, identity);
      const t0 = performance.now();
      const response = await client.send(built.method, built.path, built.headers, built.body);
      const ms = performance.now() - t0;
      if (options.onSlow && ms > 2000)
        options.onSlow(
          `${built.method} ${built.path.slice(0, 120)} ${String(response.status)} ${String(Math.round(ms))} ms`,
        );
      byStatus[String(response.status)] = (byStatus[String(response.status)] ?? 0) + 1;
      if (response.status >= 500) serverErrors += 1;
      const reason = judge(built, response);
      if (reason !== null) violationCount += 1;
      done += 1;
      if (options.onProgress && done % (options.progressEvery ?? 5000) === 0)
        options.onProgress(done, serverErrors, violationCount);
      if (reason !== null && violations.length < 200)
        violations.push({
          request: `${built.method} ${built.path.slice(0, 200)} (route ${target.method} ${target.path})`,
          identity: identity.name,
          status: response.status,
          reason,
          body: response.body.slice(0, 300),
        });
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return {
    requests: done,
    apiRequests: client.apiSent,
    byStatus,
    violations,
    violationCount,
    serverErrors,
    elapsedMs: Math.round(performance.now() - started),
  };
}

export { UPSTREAMS };
