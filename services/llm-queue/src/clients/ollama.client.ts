import http from 'node:http';
import { z } from 'zod';
import { AppError, NotFoundError, UnavailableError, UpstreamError } from '@arasul/service-kit';

/**
 * The one HTTP client of Ollama (API of Ollama 0.12.x). node:http rather than fetch because a stream must be
 * cut at the socket the moment a job is cancelled (Ollama stops generating when its client goes away), and
 * because Ollama sends no headers until a model has loaded, which may take minutes on a Jetson: only the TCP
 * connect is bounded here, silence during a generation is bounded by the caller (inactivity timeout).
 * Every answer is validated with zod; every failure becomes one of the errors below.
 */

/** Ollama cannot be reached (refused, reset, timed out): jobs wait for it. */
export class OllamaUnavailableError extends UnavailableError {
  constructor(reason: string, cause?: unknown) {
    super(`Ollama is not reachable: ${reason}`, 'backend_unavailable', cause === undefined ? {} : { cause });
  }
}

export class ModelNotInstalledError extends NotFoundError {
  constructor(readonly model: string) {
    super(
      `The model "${model}" is not installed. Pull it first (POST /api/models/pull).`,
      'model_not_installed',
    );
  }
}

/** Ollama ran out of (GPU/unified) memory loading or running a model. */
export class OllamaOutOfMemoryError extends UpstreamError {
  constructor(upstreamMessage: string) {
    super(`Ollama ran out of memory: ${upstreamMessage}`, 'out_of_memory');
  }
}

export class OllamaError extends UpstreamError {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(`Ollama failed: ${message}`, 'ollama_error', { details: { status } });
  }
}

const OOM_PATTERN = /out of memory|requires more system memory|cudaMalloc failed|insufficient memory|OOM/i;
const NOT_FOUND_PATTERN = /not found/i;
const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

export function isOutOfMemory(error: unknown): error is OllamaOutOfMemoryError {
  return error instanceof OllamaOutOfMemoryError;
}

const durations = {
  total_duration: z.number().optional(),
  load_duration: z.number().optional(),
  prompt_eval_count: z.number().optional(),
  prompt_eval_duration: z.number().optional(),
  eval_count: z.number().optional(),
  eval_duration: z.number().optional(),
};

const chatChunkSchema = z.looseObject({
  model: z.string(),
  created_at: z.string().optional(),
  message: z
    .looseObject({ role: z.string(), content: z.string().default(''), thinking: z.string().optional() })
    .optional(),
  done: z.boolean(),
  done_reason: z.string().optional(),
  ...durations,
});

const generateChunkSchema = z.looseObject({
  model: z.string(),
  created_at: z.string().optional(),
  response: z.string().default(''),
  thinking: z.string().optional(),
  done: z.boolean(),
  done_reason: z.string().optional(),
  context: z.array(z.number()).optional(),
  ...durations,
});

const errorLineSchema = z.object({ error: z.string() });

const modelDetailsSchema = z
  .looseObject({
    family: z.string().optional(),
    parameter_size: z.string().optional(),
    quantization_level: z.string().optional(),
  })
  .optional();

export const tagsSchema = z.object({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        model: z.string().optional(),
        modified_at: z.string().optional(),
        size: z.number().optional(),
        digest: z.string().optional(),
        details: modelDetailsSchema,
      }),
    )
    .max(10_000),
});
export type OllamaTag = z.infer<typeof tagsSchema>['models'][number];

const psSchema = z.object({
  models: z
    .array(
      z.looseObject({
        name: z.string(),
        model: z.string().optional(),
        size: z.number().optional(),
        size_vram: z.number().optional(),
        expires_at: z.string().optional(),
      }),
    )
    .max(1000),
});
export type OllamaRunningModel = z.infer<typeof psSchema>['models'][number];

const versionSchema = z.object({ version: z.string() });
const embedSchema = z.looseObject({
  model: z.string(),
  embeddings: z.array(z.array(z.number())),
  total_duration: z.number().optional(),
  load_duration: z.number().optional(),
  prompt_eval_count: z.number().optional(),
});
export type OllamaEmbedResponse = z.infer<typeof embedSchema>;

const pullLineSchema = z.looseObject({
  status: z.string(),
  digest: z.string().optional(),
  total: z.number().optional(),
  completed: z.number().optional(),
});
export type PullProgress = z.infer<typeof pullLineSchema>;

const loadSchema = z.looseObject({ done: z.boolean(), done_reason: z.string().optional() });

/** One piece of a streamed generation, whichever endpoint produced it. */
export interface GenerationChunk {
  content: string;
  thinking: string;
}

/** The final chunk: statistics (durations in ms) and, for the Ollama facade, the raw object. */
export interface GenerationResult {
  doneReason: string | null;
  promptTokens: number;
  completionTokens: number;
  promptEvalMs: number;
  evalMs: number;
  loadMs: number;
  totalMs: number;
  raw: Record<string, unknown>;
}

export interface OllamaClientOptions {
  baseUrl: string;
  /** Bound on the TCP connect of every request. Default 5 s. */
  connectTimeoutMs?: number;
  /** Bound on small JSON calls (tags, ps, show, version, delete). Default 10 s. */
  requestTimeoutMs?: number;
  /** Bound on loading a model (a switch on a Jetson can take minutes). Default 10 min. */
  loadTimeoutMs?: number;
  /** Bound on an embedding call. Default 5 min. */
  embedTimeoutMs?: number;
}

const MAX_JSON_BYTES = 64 * 1024 * 1024;
const MAX_LINE_BYTES = 8 * 1024 * 1024;
const nsToMs = (ns: number | undefined) => Math.round((ns ?? 0) / 1_000_000);

export class OllamaClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
  private readonly base: URL;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly loadTimeoutMs: number;
  private readonly embedTimeoutMs: number;

  constructor(options: OllamaClientOptions) {
    this.base = new URL(options.baseUrl);
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.loadTimeoutMs = options.loadTimeoutMs ?? 600_000;
    this.embedTimeoutMs = options.embedTimeoutMs ?? 300_000;
  }

  close(): void {
    this.agent.destroy();
  }

  async version(signal?: AbortSignal): Promise<string> {
    const body = await this.json('GET', '/api/version', undefined, this.requestTimeoutMs, signal);
    return this.parse(versionSchema, body, 'version').version;
  }

  async tags(signal?: AbortSignal): Promise<OllamaTag[]> {
    const body = await this.json('GET', '/api/tags', undefined, this.requestTimeoutMs, signal);
    return this.parse(tagsSchema, body, 'tags').models;
  }

  async runningModels(signal?: AbortSignal): Promise<OllamaRunningModel[]> {
    const body = await this.json('GET', '/api/ps', undefined, this.requestTimeoutMs, signal);
    return this.parse(psSchema, body, 'ps').models;
  }

  /** Raw /api/show answer (passed through by the Ollama facade). */
  async show(model: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const body = await this.json('POST', '/api/show', { model }, this.requestTimeoutMs, signal, model);
    return this.parse(z.looseObject({}), body, 'show');
  }

  /** Loads a model into memory (an empty generate). Resolves with the time it took. */
  async load(model: string, signal?: AbortSignal): Promise<number> {
    const started = performance.now();
    const body = await this.json(
      'POST',
      '/api/generate',
      { model, stream: false },
      this.loadTimeoutMs,
      signal,
      model,
    );
    this.parse(loadSchema, body, 'load');
    return Math.round(performance.now() - started);
  }

  /** Unloads a model right away (`keep_alive: 0`). */
  async unload(model: string, signal?: AbortSignal): Promise<void> {
    const body = await this.json(
      'POST',
      '/api/generate',
      { model, keep_alive: 0, stream: false },
      this.requestTimeoutMs,
      signal,
      model,
    );
    this.parse(loadSchema, body, 'unload');
  }

  async embed(
    body: Record<string, unknown>,
    model: string,
    signal?: AbortSignal,
  ): Promise<OllamaEmbedResponse> {
    const answer = await this.json(
      'POST',
      '/api/embed',
      { ...body, model },
      this.embedTimeoutMs,
      signal,
      model,
    );
    return this.parse(embedSchema, answer, 'embed');
  }

  async deleteModel(model: string, signal?: AbortSignal): Promise<void> {
    await this.json('DELETE', '/api/delete', { model }, this.requestTimeoutMs, signal, model);
  }

  /**
   * Streams a generation from /api/chat or /api/generate. `onChunk` sees every piece of text; the promise
   * resolves with the final statistics, or rejects with one of this file's errors (or the signal's reason).
   */
  async generate(
    kind: 'chat' | 'generate',
    model: string,
    body: Record<string, unknown>,
    signal: AbortSignal,
    onChunk: (chunk: GenerationChunk) => void,
  ): Promise<GenerationResult> {
    let final: GenerationResult | undefined;
    await this.stream(`/api/${kind}`, { ...body, model, stream: true }, signal, model, (line) => {
      let parsed: z.infer<typeof chatChunkSchema> | z.infer<typeof generateChunkSchema>;
      let content: string;
      let thinking: string;
      if (kind === 'chat') {
        const chat = this.parse(chatChunkSchema, line, 'chat chunk');
        parsed = chat;
        content = chat.message?.content ?? '';
        thinking = chat.message?.thinking ?? '';
      } else {
        const generated = this.parse(generateChunkSchema, line, 'generate chunk');
        parsed = generated;
        content = generated.response;
        thinking = generated.thinking ?? '';
      }
      if (content !== '' || thinking !== '') onChunk({ content, thinking });
      if (parsed.done) {
        final = {
          doneReason: parsed.done_reason ?? null,
          promptTokens: parsed.prompt_eval_count ?? 0,
          completionTokens: parsed.eval_count ?? 0,
          promptEvalMs: nsToMs(parsed.prompt_eval_duration),
          evalMs: nsToMs(parsed.eval_duration),
          loadMs: nsToMs(parsed.load_duration),
          totalMs: nsToMs(parsed.total_duration),
          raw: parsed,
        };
      }
    });
    if (!final) throw new OllamaUnavailableError('the stream ended before the final chunk');
    return final;
  }

  /** Streams a pull's progress lines; resolves after `success`. */
  async pull(
    model: string,
    signal: AbortSignal,
    onProgress: (progress: PullProgress) => void,
  ): Promise<void> {
    let succeeded = false;
    await this.stream('/api/pull', { model, stream: true }, signal, model, (line) => {
      const progress = this.parse(pullLineSchema, line, 'pull progress');
      if (progress.status === 'success') succeeded = true;
      onProgress(progress);
    });
    if (!succeeded) throw new OllamaError('the pull ended without success', 200);
  }

  // ---------------------------------------------------------------------------------------------------

  private parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new OllamaError(
        `unexpected ${what} answer (${result.error.issues[0]?.message ?? 'invalid'})`,
        502,
      );
    }
    return result.data;
  }

  private open(
    method: string,
    path: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): { request: http.ClientRequest; response: Promise<http.IncomingMessage> } {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const url = new URL(
      path.replace(/^\//, ''),
      this.base.href.endsWith('/') ? this.base : `${this.base.href}/`,
    );
    const request = http.request(url, {
      method,
      agent: this.agent,
      signal,
      headers: {
        accept: 'application/json',
        ...(payload === undefined
          ? {}
          : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
      },
    });
    request.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => request.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })),
        this.connectTimeoutMs,
      );
      socket.once('connect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    const response = new Promise<http.IncomingMessage>((resolve, reject) => {
      request.once('response', resolve);
      request.once('error', (error) => reject(this.classify(error, signal)));
    });
    request.end(payload);
    return { request, response };
  }

  private classify(error: unknown, signal: AbortSignal | undefined): unknown {
    if (signal?.aborted) return signal.reason;
    if (error instanceof AppError) return error;
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? error.message : String(error);
    if ((typeof code === 'string' && CONNECTION_CODES.has(code)) || /socket hang up|aborted/i.test(message)) {
      return new OllamaUnavailableError(typeof code === 'string' ? code : message, error);
    }
    return new OllamaUnavailableError(message, error);
  }

  private async failure(response: http.IncomingMessage, model: string | undefined): Promise<AppError> {
    const text = await readAll(response, 64 * 1024).catch(() => '');
    let message = text.trim() || `HTTP ${response.statusCode ?? 0}`;
    try {
      const parsed = errorLineSchema.safeParse(JSON.parse(text));
      if (parsed.success) message = parsed.data.error;
    } catch {
      // not JSON: keep the text
    }
    return this.errorFor(message, response.statusCode ?? 500, model);
  }

  private errorFor(message: string, status: number, model: string | undefined): AppError {
    if (OOM_PATTERN.test(message)) return new OllamaOutOfMemoryError(message);
    if ((status === 404 || status === 200) && NOT_FOUND_PATTERN.test(message) && model !== undefined) {
      return new ModelNotInstalledError(model);
    }
    return new OllamaError(message, status);
  }

  private async json(
    method: string,
    path: string,
    body: unknown,
    timeoutMs: number,
    outer: AbortSignal | undefined,
    model?: string,
  ): Promise<unknown> {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    try {
      const { response } = this.open(method, path, body, signal);
      const res = await response;
      if ((res.statusCode ?? 500) >= 400) throw await this.failure(res, model);
      const text = await readAll(res, MAX_JSON_BYTES);
      if (text.trim() === '') return {};
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new OllamaError(`${path} answered with invalid JSON`, res.statusCode ?? 0);
      }
    } catch (error) {
      if (timeout.aborted && !outer?.aborted) {
        throw new OllamaUnavailableError(`${path} did not answer within ${timeoutMs} ms`, error);
      }
      throw this.classify(error, signal);
    }
  }

  private async stream(
    path: string,
    body: unknown,
    signal: AbortSignal,
    model: string,
    onLine: (line: unknown) => void,
  ): Promise<void> {
    const { response } = this.open('POST', path, body, signal);
    const res = await response;
    if ((res.statusCode ?? 500) >= 400) throw await this.failure(res, model);
    let buffered = '';
    const handle = (text: string) => {
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new OllamaError('a stream line is not JSON', 200);
      }
      // Checked only on lines that have an `error` key: a failed safeParse builds a ZodError, and every
      // ordinary chunk would fail it (tens of µs per token, the first one included).
      if (typeof value === 'object' && value !== null && 'error' in value) {
        const failed = errorLineSchema.safeParse(value);
        if (failed.success) throw this.errorFor(failed.data.error, 200, model);
      }
      onLine(value);
    };
    try {
      res.setEncoding('utf8');
      for await (const piece of res as AsyncIterable<string>) {
        buffered += piece;
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          handle(buffered.slice(0, newline));
          buffered = buffered.slice(newline + 1);
          newline = buffered.indexOf('\n');
        }
        if (buffered.length > MAX_LINE_BYTES) throw new OllamaError('a stream line is too long', 200);
      }
      handle(buffered);
      if (!res.complete) throw new OllamaUnavailableError('the connection closed mid-stream');
    } catch (error) {
      res.destroy();
      throw this.classify(error, signal);
    }
  }
}

function readAll(stream: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (piece: Buffer) => {
      size += piece.length;
      if (size > limit) {
        stream.destroy();
        reject(new OllamaError(`answer larger than ${limit} bytes`, 502));
        return;
      }
      chunks.push(piece);
    });
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
    stream.once('aborted', () => reject(new OllamaUnavailableError('the connection closed mid-answer')));
  });
}
