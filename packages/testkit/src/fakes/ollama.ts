/**
 * A wire-level fake of the Ollama HTTP API, following Ollama 0.12.x (`docs/api.md` of ollama/ollama at
 * v0.12.6): the same paths, JSON shapes, newline-delimited JSON streams, durations in nanoseconds and error
 * bodies (`{"error": "…"}` with the status Ollama uses). It is a real HTTP server on an ephemeral loopback
 * port, so the code under test runs its real HTTP client against it.
 *
 * Implemented: GET / and /api/version, GET /api/tags, POST /api/show, POST /api/chat, POST /api/generate
 * (both streamed or not; an empty prompt / no messages loads the model, with `keep_alive: 0` unloads it),
 * POST /api/embed, POST /api/pull (streamed progress), DELETE /api/delete, GET /api/ps.
 *
 * Scripting: replies (tokens, thinking, delays) per request or by default, failures injected per request
 * (Ollama's out-of-memory message, model not found, a dropped connection, any HTTP error, a hang),
 * `pause()`/`resume()` to hold every stream between tokens, and `stop()`/`start()` to take the whole
 * backend away and bring it back on the same port. Every request is recorded with the moment the client
 * aborted it, so a test can prove that cancelling really stopped the generation.
 *
 * A chat whose last message is an assistant message continues that text (Ollama's prefill): the fake acts
 * as a deterministic model and streams only the part of its scripted answer after that prefix.
 */
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export const FAKE_OLLAMA_VERSION = '0.12.6';

export interface FakeModel {
  /** e.g. `qwen3:8b`. A name without a tag gets `:latest`, as in Ollama. */
  name: string;
  size?: number;
  family?: string;
  parameterSize?: string;
  quantization?: string;
  capabilities?: string[];
}

export type FakeFailure =
  /** Before any token: HTTP 500 with Ollama's memory message; after tokens: an error line in the stream. */
  | { kind: 'oom'; afterTokens?: number }
  /** HTTP 404 `model '<name>' not found`, whatever is installed. */
  | { kind: 'not_found' }
  /** The connection is destroyed (before the headers, or after some tokens). */
  | { kind: 'drop'; afterTokens?: number }
  | { kind: 'http'; status: number; message: string; afterTokens?: number }
  /** Headers are sent, then nothing more until the client gives up. */
  | { kind: 'hang'; afterTokens?: number };

export interface FakeReply {
  /** Streamed one per chunk; their concatenation is the answer. */
  tokens?: string[];
  /** Streamed before the answer as `message.thinking` (chat) or `thinking` (generate), unless `think: false`. */
  thinking?: string[];
  firstTokenDelayMs?: number;
  tokenDelayMs?: number;
  doneReason?: 'stop' | 'length';
  failure?: FakeFailure;
}

export interface ScriptedReply extends FakeReply {
  /** Only a request for this model takes the reply. */
  model?: string;
}

export interface PullBehaviour {
  /** Progress lines of the layer download. Default 4. */
  steps?: number;
  stepDelayMs?: number;
  /** After this many steps the stream goes silent (until the client aborts). */
  stallAfterSteps?: number;
  /** Sent as `{"error": …}` instead of finishing. */
  error?: string;
  /** Whether the model shows up in /api/tags after `success`. Default true. */
  addModel?: boolean;
}

export interface RecordedRequest {
  id: number;
  method: string;
  path: string;
  body: unknown;
  receivedAt: number;
  /** When the client closed the connection before the response ended; null otherwise. */
  abortedAt: number | null;
  finishedAt: number | null;
  /** Tokens (answer chunks) written to this response. */
  tokensSent: number;
}

export interface FakeOllamaOptions {
  models?: (string | FakeModel)[];
  /** Time a model switch takes (first request for a model that is not loaded). Default 0. */
  loadDelayMs?: number;
  /** Models kept in memory at once; loading another evicts the oldest. Default 1 (a Jetson). */
  maxLoadedModels?: number;
  defaultReply?: FakeReply;
  embeddingDimensions?: number;
  port?: number;
}

const DEFAULT_REPLY: Required<Pick<FakeReply, 'tokens' | 'tokenDelayMs' | 'firstTokenDelayMs'>> = {
  tokens: ['Hello', ',', ' world', '!'],
  tokenDelayMs: 0,
  firstTokenDelayMs: 0,
};
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_RECORDED = 10_000;
const OOM_MESSAGE = 'model requires more system memory (9.8 GiB) than is available (4.1 GiB)';
const OOM_STREAM_MESSAGE =
  'an error was encountered while running the model: CUDA error: out of memory (cudaMalloc failed)';

export function normalizeModelName(name: string): string {
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  return lastSegment.includes(':') ? name : `${name}:latest`;
}

const ms = (n: number) => Math.round(n * 1_000_000);
const digestOf = (name: string) => createHash('sha256').update(name).digest('hex');

export class FakeOllama {
  readonly requests: RecordedRequest[] = [];
  /** Loaded model → when it was loaded (insertion order = load order). */
  readonly loaded = new Map<string, number>();
  private readonly models = new Map<string, FakeModel>();
  private readonly scripted: ScriptedReply[] = [];
  private readonly sockets = new Set<Socket>();
  private defaultReply: FakeReply;
  private pullBehaviour: PullBehaviour = {};
  private server: Server | undefined;
  private gate: { promise: Promise<void>; open: () => void } | undefined;
  private nextId = 1;
  private portNumber = 0;

  constructor(private readonly options: FakeOllamaOptions = {}) {
    for (const model of options.models ?? []) this.addModel(model);
    this.defaultReply = options.defaultReply ?? {};
  }

  get port(): number {
    return this.portNumber;
  }

  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  /** Listens (again) — on the same port after `stop()`. */
  async start(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    // Like Ollama (Go net/http without an IdleTimeout), idle keep-alive connections are not closed by the
    // server; Node's 5 s default raced the client's reuse of a pooled socket (ECONNRESET) under load.
    server.keepAliveTimeout = 0;
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.portNumber || (this.options.port ?? 0), '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.portNumber = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Takes the backend away: stops listening and cuts every open connection (ECONNREFUSED from now on). */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  close(): Promise<void> {
    this.resume();
    return this.stop();
  }

  addModel(model: string | FakeModel): void {
    const spec = typeof model === 'string' ? { name: model } : model;
    const name = normalizeModelName(spec.name);
    this.models.set(name, { ...spec, name });
  }

  removeModel(name: string): void {
    this.models.delete(normalizeModelName(name));
  }

  installedModels(): string[] {
    return [...this.models.keys()];
  }

  setDefaultReply(reply: FakeReply): void {
    this.defaultReply = reply;
  }

  /** The next generation request (for `model`, when given) gets this reply instead of the default. */
  script(...replies: ScriptedReply[]): void {
    this.scripted.push(...replies);
  }

  /** Sugar for `script({ failure, model })`. */
  failNext(failure: FakeFailure, model?: string): void {
    this.script({ failure, ...(model === undefined ? {} : { model }) });
  }

  setPullBehaviour(behaviour: PullBehaviour): void {
    this.pullBehaviour = behaviour;
  }

  /** Holds every generation stream before its next chunk until `resume()`. */
  pause(): void {
    if (this.gate) return;
    let open: () => void = () => undefined;
    const promise = new Promise<void>((resolve) => (open = resolve));
    this.gate = { promise, open };
  }

  resume(): void {
    const gate = this.gate;
    this.gate = undefined;
    gate?.open();
  }

  /** The models unloaded (`keep_alive: 0` on an empty chat/generate), in order, with when. */
  unloads(): { model: string; at: number }[] {
    return this.requests
      .filter((r) => {
        const body = r.body as { keep_alive?: unknown } | null;
        const keepAlive = body?.keep_alive;
        return (
          (r.path === '/api/generate' || r.path === '/api/chat') &&
          (keepAlive === 0 || keepAlive === '0' || keepAlive === '0s') &&
          !isGeneration(r)
        );
      })
      .map((r) => ({ model: String((r.body as { model?: unknown }).model), at: r.receivedAt }));
  }

  /** Requests that generate text (chat/generate with a prompt), not loads, unloads or embeddings. */
  generations(): RecordedRequest[] {
    return this.requests.filter((r) => isGeneration(r));
  }

  async waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = 5000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = probe();
      if (value !== undefined && value !== false) return value;
      if (Date.now() > deadline)
        throw new Error(`fake ollama: timed out after ${timeoutMs} ms waiting for ${what}`);
      await sleep(5);
    }
  }

  // ---------------------------------------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const record: RecordedRequest = {
      id: this.nextId++,
      method: req.method ?? 'GET',
      path,
      body: undefined,
      receivedAt: Date.now(),
      abortedAt: null,
      finishedAt: null,
      tokensSent: 0,
    };
    if (this.requests.length >= MAX_RECORDED) this.requests.shift();
    this.requests.push(record);
    res.on('close', () => {
      if (res.writableFinished) record.finishedAt = Date.now();
      else record.abortedAt = Date.now();
    });

    let body: Record<string, unknown> = {};
    try {
      const raw = await readBody(req);
      body = raw === '' ? {} : (JSON.parse(raw) as Record<string, unknown>);
      record.body = body;
    } catch {
      sendJson(res, 400, { error: 'invalid request body' });
      return;
    }

    const route = `${record.method} ${path}`;
    switch (route) {
      case 'GET /':
      case 'HEAD /':
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        return void res.end('Ollama is running');
      case 'GET /api/version': {
        sendJson(res, 200, { version: FAKE_OLLAMA_VERSION });
        return;
      }
      case 'GET /api/tags': {
        sendJson(res, 200, { models: [...this.models.values()].map((m) => this.describe(m)) });
        return;
      }
      case 'GET /api/ps': {
        sendJson(res, 200, {
          models: [...this.loaded.keys()].flatMap((name) => {
            const model = this.models.get(name);
            if (!model) return [];
            const described = this.describe(model);
            return [
              {
                name: described.name,
                model: described.model,
                size: described.size,
                digest: described.digest,
                details: described.details,
                expires_at: new Date(Date.now() + 5 * 60_000).toISOString(),
                size_vram: described.size,
              },
            ];
          }),
        });
        return;
      }
      case 'POST /api/show': {
        this.show(body, res);
        return;
      }
      case 'POST /api/chat':
      case 'POST /api/generate':
        return this.generate(path === '/api/chat' ? 'chat' : 'generate', body, record, res);
      case 'POST /api/embed':
        return this.embed(body, res);
      case 'POST /api/pull':
        return this.pull(body, res);
      case 'DELETE /api/delete': {
        const name = modelOf(body);
        if (!name || !this.models.has(normalizeModelName(name))) {
          sendJson(res, 404, { error: `model '${name ?? ''}' not found` });
          return;
        }
        this.models.delete(normalizeModelName(name));
        this.loaded.delete(normalizeModelName(name));
        res.writeHead(200);
        return void res.end();
      }
      default:
        res.writeHead(404, { 'content-type': 'text/plain' });
        return void res.end('404 page not found');
    }
  }

  private describe(model: FakeModel) {
    return {
      name: model.name,
      model: model.name,
      modified_at: '2025-10-01T10:00:00.000000000Z',
      size: model.size ?? 5_000_000_000,
      digest: digestOf(model.name),
      details: {
        parent_model: '',
        format: 'gguf',
        family: model.family ?? 'qwen3',
        families: [model.family ?? 'qwen3'],
        parameter_size: model.parameterSize ?? '8.2B',
        quantization_level: model.quantization ?? 'Q4_K_M',
      },
    };
  }

  private show(body: Record<string, unknown>, res: ServerResponse): void {
    const name = modelOf(body);
    const model = name === undefined ? undefined : this.models.get(normalizeModelName(name));
    if (!model) {
      sendJson(res, 404, { error: `model '${name ?? ''}' not found` });
      return;
    }
    const described = this.describe(model);
    sendJson(res, 200, {
      modelfile: `FROM ${model.name}`,
      parameters: 'temperature 0.7',
      template: '{{ .Prompt }}',
      details: described.details,
      model_info: {
        'general.architecture': described.details.family,
        'general.parameter_count': 8_190_735_360,
      },
      capabilities: model.capabilities ?? ['completion'],
      modified_at: described.modified_at,
    });
  }

  private takeReply(model: string): FakeReply {
    const index = this.scripted.findIndex(
      (r) => r.model === undefined || normalizeModelName(r.model) === model,
    );
    if (index >= 0) return this.scripted.splice(index, 1)[0] ?? {};
    return this.defaultReply;
  }

  /** Loads `model` as Ollama does on first use; returns how long it took (ms). */
  private async load(model: string): Promise<number> {
    if (this.loaded.has(model)) return 0;
    const started = Date.now();
    const delay = this.options.loadDelayMs ?? 0;
    if (delay > 0) await sleep(delay);
    const max = this.options.maxLoadedModels ?? 1;
    while (this.loaded.size >= max) {
      const oldest = this.loaded.keys().next().value;
      if (oldest === undefined) break;
      this.loaded.delete(oldest);
    }
    this.loaded.set(model, Date.now());
    return Date.now() - started;
  }

  private async generate(
    kind: 'chat' | 'generate',
    body: Record<string, unknown>,
    record: RecordedRequest,
    res: ServerResponse,
  ): Promise<void> {
    const requested = modelOf(body);
    if (!requested) {
      sendJson(res, 400, { error: 'model is required' });
      return;
    }
    const model = normalizeModelName(requested);
    const messages = Array.isArray(body.messages)
      ? (body.messages as { role?: string; content?: string }[])
      : [];
    const prompt = typeof body.prompt === 'string' ? body.prompt : '';
    const isLoadRequest = kind === 'chat' ? messages.length === 0 : prompt === '';
    const unload = body.keep_alive === 0 || body.keep_alive === '0' || body.keep_alive === '0s';

    if (!this.models.has(model)) {
      // A load/unload of an unknown model is also a 404 in Ollama.
      sendJson(res, 404, { error: `model '${requested}' not found` });
      return;
    }
    if (isLoadRequest) {
      if (unload) {
        this.loaded.delete(model);
        sendJson(res, 200, doneChunk(kind, model, 'unload', {}));
        return;
      }
      const loadMs = await this.load(model);
      sendJson(res, 200, { ...doneChunk(kind, model, 'load', {}), load_duration: ms(loadMs) });
      return;
    }

    const reply = this.takeReply(model);
    const failure = reply.failure;
    if (failure?.kind === 'not_found') {
      sendJson(res, 404, { error: `model '${requested}' not found` });
      return;
    }
    if (failure && (failure.afterTokens ?? 0) === 0) {
      if (failure.kind === 'oom') {
        sendJson(res, 500, { error: OOM_MESSAGE });
        return;
      }
      if (failure.kind === 'http') {
        sendJson(res, failure.status, { error: failure.message });
        return;
      }
      if (failure.kind === 'drop') return void res.socket?.destroy();
    }

    const started = Date.now();
    const loadMs = await this.load(model);
    let tokens = reply.tokens ?? this.defaultReply.tokens ?? DEFAULT_REPLY.tokens;
    const last = messages[messages.length - 1];
    if (kind === 'chat' && last?.role === 'assistant' && typeof last.content === 'string') {
      tokens = continueAfter(tokens, last.content);
    }
    const think = body.think !== false;
    const thinking = think ? (reply.thinking ?? this.defaultReply.thinking ?? []) : [];
    const tokenDelayMs = reply.tokenDelayMs ?? this.defaultReply.tokenDelayMs ?? DEFAULT_REPLY.tokenDelayMs;
    const firstDelay =
      reply.firstTokenDelayMs ?? this.defaultReply.firstTokenDelayMs ?? DEFAULT_REPLY.firstTokenDelayMs;
    const promptEvalCount = 10 + JSON.stringify(kind === 'chat' ? messages : prompt).length / 8;
    const stream = body.stream !== false;
    const doneReason = reply.doneReason ?? this.defaultReply.doneReason ?? 'stop';

    if (!stream) {
      if (firstDelay > 0) await sleep(firstDelay);
      await this.gate?.promise;
      if (failure?.kind === 'drop') return void res.socket?.destroy();
      if (failure?.kind === 'oom') {
        sendJson(res, 500, { error: OOM_STREAM_MESSAGE });
        return;
      }
      if (failure?.kind === 'http') {
        sendJson(res, failure.status, { error: failure.message });
        return;
      }
      if (failure?.kind === 'hang') return;
      record.tokensSent = tokens.length;
      const final = doneChunk(kind, model, doneReason, {
        started,
        loadMs,
        promptEvalCount: Math.round(promptEvalCount),
        evalCount: tokens.length,
      });
      const text = tokens.join('');
      const thought = thinking.join('');
      sendJson(
        res,
        200,
        kind === 'chat'
          ? {
              ...final,
              message: { role: 'assistant', content: text, ...(thought ? { thinking: thought } : {}) },
            }
          : { ...final, response: text, ...(thought ? { thinking: thought } : {}) },
      );
      return;
    }

    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const write = (value: unknown) => !res.destroyed && res.write(`${JSON.stringify(value)}\n`);
    if (firstDelay > 0) await sleep(firstDelay);
    for (const piece of thinking) {
      await this.gate?.promise;
      if (res.destroyed) return;
      write(chunk(kind, model, '', piece));
      if (tokenDelayMs > 0) await sleep(tokenDelayMs);
    }
    for (let i = 0; i < tokens.length; i += 1) {
      if (failure && i === (failure.afterTokens ?? 0)) {
        if (failure.kind === 'drop') {
          // Let what was written reach the client first: the break comes after those tokens.
          await sleep(20);
          return void res.socket?.destroy();
        }
        if (failure.kind === 'hang') return;
        write({ error: failure.kind === 'oom' ? OOM_STREAM_MESSAGE : failure.message });
        return void res.end();
      }
      await this.gate?.promise;
      if (res.destroyed) return;
      write(chunk(kind, model, tokens[i] ?? '', undefined));
      record.tokensSent += 1;
      if (tokenDelayMs > 0 && i < tokens.length - 1) await sleep(tokenDelayMs);
    }
    await this.gate?.promise;
    if (res.destroyed) return;
    if (failure?.kind === 'hang') return;
    write(
      doneChunk(kind, model, doneReason, {
        started,
        loadMs,
        promptEvalCount: Math.round(promptEvalCount),
        evalCount: tokens.length,
      }),
    );
    res.end();
  }

  private async embed(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const requested = modelOf(body);
    if (!requested) {
      sendJson(res, 400, { error: 'model is required' });
      return;
    }
    const model = normalizeModelName(requested);
    if (!this.models.has(model)) {
      sendJson(res, 404, { error: `model '${requested}' not found` });
      return;
    }
    const reply = this.takeReply(model);
    if (reply.failure?.kind === 'oom') {
      sendJson(res, 500, { error: OOM_MESSAGE });
      return;
    }
    if (reply.failure?.kind === 'drop') return void res.socket?.destroy();
    if (reply.failure?.kind === 'http') {
      sendJson(res, reply.failure.status, { error: reply.failure.message });
      return;
    }
    const started = Date.now();
    const loadMs = await this.load(model);
    const inputs = Array.isArray(body.input)
      ? body.input.map(String)
      : [typeof body.input === 'string' ? body.input : ''];
    const dims = this.options.embeddingDimensions ?? 8;
    sendJson(res, 200, {
      model,
      embeddings: inputs.map((text) => embeddingOf(text, dims)),
      total_duration: ms(Date.now() - started),
      load_duration: ms(loadMs),
      prompt_eval_count: inputs.reduce((sum, text) => sum + Math.max(1, Math.ceil(text.length / 4)), 0),
    });
  }

  private async pull(body: Record<string, unknown>, res: ServerResponse): Promise<void> {
    const requested = modelOf(body);
    if (!requested) {
      sendJson(res, 400, { error: 'model is required' });
      return;
    }
    const model = normalizeModelName(requested);
    const behaviour = this.pullBehaviour;
    const steps = behaviour.steps ?? 4;
    const total = 4_000_000_000;
    const digest = `sha256:${digestOf(model)}`;
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    const write = (value: unknown) => !res.destroyed && res.write(`${JSON.stringify(value)}\n`);
    write({ status: 'pulling manifest' });
    for (let step = 1; step <= steps; step += 1) {
      if (behaviour.stallAfterSteps !== undefined && step > behaviour.stallAfterSteps) return; // silence
      if (behaviour.stepDelayMs) await sleep(behaviour.stepDelayMs);
      if (res.destroyed) return;
      write({
        status: `pulling ${digest.slice(7, 19)}`,
        digest,
        total,
        completed: Math.round((total * step) / steps),
      });
    }
    if (behaviour.error) {
      write({ error: behaviour.error });
      return void res.end();
    }
    write({ status: 'verifying sha256 digest' });
    write({ status: 'writing manifest' });
    if (behaviour.addModel !== false) this.addModel({ name: model, size: total });
    write({ status: 'success' });
    res.end();
  }
}

/** Starts a fake Ollama on an ephemeral port. */
export function startFakeOllama(options: FakeOllamaOptions = {}): Promise<FakeOllama> {
  return new FakeOllama(options).start();
}

function isGeneration(r: RecordedRequest): boolean {
  if (r.method !== 'POST') return false;
  const body = (r.body ?? {}) as { messages?: unknown[]; prompt?: unknown };
  if (r.path === '/api/chat') return Array.isArray(body.messages) && body.messages.length > 0;
  if (r.path === '/api/generate') return typeof body.prompt === 'string' && body.prompt !== '';
  return false;
}

function modelOf(body: Record<string, unknown>): string | undefined {
  const value = body.model ?? body.name;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The tokens after `prefix` (whole tokens; a token that straddles the prefix is cut). */
function continueAfter(tokens: string[], prefix: string): string[] {
  const full = tokens.join('');
  if (!full.startsWith(prefix)) return tokens;
  const rest: string[] = [];
  let offset = 0;
  for (const token of tokens) {
    const end = offset + token.length;
    if (end > prefix.length) rest.push(offset >= prefix.length ? token : token.slice(prefix.length - offset));
    offset = end;
  }
  return rest;
}

function chunk(kind: 'chat' | 'generate', model: string, content: string, thinking: string | undefined) {
  const base = { model, created_at: new Date().toISOString() };
  if (kind === 'chat') {
    return {
      ...base,
      message: { role: 'assistant', content, ...(thinking === undefined ? {} : { thinking }) },
      done: false,
    };
  }
  return { ...base, response: content, ...(thinking === undefined ? {} : { thinking }), done: false };
}

function doneChunk(
  kind: 'chat' | 'generate',
  model: string,
  doneReason: string,
  stats: { started?: number; loadMs?: number; promptEvalCount?: number; evalCount?: number },
) {
  const base = {
    model,
    created_at: new Date().toISOString(),
    ...(kind === 'chat' ? { message: { role: 'assistant', content: '' } } : { response: '' }),
    done_reason: doneReason,
    done: true,
  };
  if (stats.started === undefined) return base;
  const totalMs = Date.now() - stats.started;
  const evalCount = stats.evalCount ?? 0;
  return {
    ...base,
    ...(kind === 'generate' ? { context: [1, 2, 3] } : {}),
    total_duration: ms(totalMs),
    load_duration: ms(stats.loadMs ?? 0),
    prompt_eval_count: stats.promptEvalCount ?? 0,
    prompt_eval_duration: ms(1),
    eval_count: evalCount,
    // At least 1 ms per token, so tokens/s stays finite even with no delays.
    eval_duration: ms(Math.max(evalCount, totalMs - (stats.loadMs ?? 0))),
  };
}

function embeddingOf(text: string, dims: number): number[] {
  const hash = createHash('sha256').update(text).digest();
  const raw = Array.from({ length: dims }, (_, i) => ((hash[i % hash.length] ?? 0) - 127.5) / 127.5);
  const norm = Math.sqrt(raw.reduce((sum, v) => sum + v * v, 0)) || 1;
  return raw.map((v) => v / norm);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (piece: Buffer) => {
      size += piece.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(piece);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
