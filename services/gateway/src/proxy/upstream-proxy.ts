import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { Pool, type Dispatcher } from 'undici';
import { PayloadTooLargeError, REQUEST_ID_HEADER, type Logger } from '@arasul/service-kit';
import { UpstreamUnavailableError } from '../errors';
import { stateOf, type GatewayRequestState } from '../request-state';
import { applyGatewayHeaders, proxiedHeaders } from '../response-headers';
import { isUpload, type RouteEntry, type UpstreamName } from '../routing/route-table';
import { BodyMeter } from './body-meter';
import type { SharedStreamLimiter } from './shared-stream-limiter';

export interface UpstreamProxyOptions {
  targets: Record<UpstreamName, string>;
  uploadLimitBytes: number;
  bodyLimitBytes: number;
  idleTimeoutMs: number;
  /** How much of a JSON body the audit log may keep. */
  auditCaptureBytes: number;
  /** Open event streams per user (SSE_MAX_PER_USER), counted across every worker. */
  streams: SharedStreamLimiter;
}

const STREAM_RETRY_AFTER_SECONDS = 5;

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1), credentials the services must never see, and the framing headers the
 * upstream client sets itself (`transfer-encoding`, `expect`: the gateway already answered a client's
 * `100-continue`, and the body is sent chunked when its length is unknown).
 */
const DROP_REQUEST_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'upgrade',
  'transfer-encoding',
  'expect',
  'authorization',
  'x-api-key',
];
const ERROR_TAP_BYTES = 8192;

/**
 * Streams requests to the owning service and responses back, both ways without buffering, over keep-alive
 * connections (one `undici` Pool per service, no pipelining). One handler object per request receives the
 * upstream's answer (`ProxyExchange`); profiling showed node:http's client (ClientRequest, the Agent's
 * socket bookkeeping, a second IncomingMessage stream) costing ≈ 15 µs of CPU per request more than undici's.
 * Bodies are metered on the way through: 413 before the upstream sees a complete oversized body.
 * Server-Sent Events get their headers flushed at once and are marked so no proxy in front of us buffers
 * them. An upstream that sends nothing either way for `idleTimeoutMs` is abandoned (undici's headers and body
 * timeouts, both refreshed by every chunk sent or received).
 */
export class UpstreamProxy {
  private readonly pools: Record<UpstreamName, Pool>;
  readonly log: Logger;
  readonly streams: SharedStreamLimiter;

  constructor(
    private readonly options: UpstreamProxyOptions,
    logger: Logger,
  ) {
    this.pools = Object.fromEntries(
      Object.entries(options.targets).map(([name, url]) => [
        name,
        new Pool(new URL(url).origin, {
          connections: 512,
          pipelining: 1,
          // Below the services' 65 s keep-alive (service-kit server.ts); undici also honours their Keep-Alive hint.
          keepAliveTimeout: 30_000,
          headersTimeout: options.idleTimeoutMs,
          bodyTimeout: options.idleTimeoutMs,
        }),
      ]),
    ) as Record<UpstreamName, Pool>;
    this.streams = options.streams;
    this.log = logger.child({ module: 'proxy' });
  }

  forward(req: Request, res: Response, next: NextFunction, route: RouteEntry): void {
    const state = stateOf(req);
    const upload = isUpload(route, req.method);
    const limit = upload ? this.options.uploadLimitBytes : this.options.bodyLimitBytes;
    state.upload = upload;

    const declared = req.headers['content-length'];
    const hasBody =
      (declared !== undefined && declared !== '0') || req.headers['transfer-encoding'] !== undefined;
    if (declared !== undefined && Number(declared) > limit) {
      state.bodyNote = `declared ${declared} bytes, over the limit`;
      res.setHeader('Connection', 'close');
      next(new PayloadTooLargeError(`The request body is larger than ${limit} bytes.`));
      return;
    }

    const exchange = new ProxyExchange(this, req, res, next, route.upstream, state);
    let meter: BodyMeter | null = null;
    if (hasBody) {
      meter = new BodyMeter(limit, upload ? 0 : this.options.auditCaptureBytes);
      state.body = meter;
      meter.once('error', (error) => {
        state.bodyRejected = true;
        req.unpipe(meter ?? undefined);
        exchange.abort(error);
        // Keep reading what the client still sends, so it sees our 413 instead of a reset connection.
        req.resume();
        if (res.headersSent) {
          res.destroy();
          return;
        }
        res.setHeader('Connection', 'close');
        next(error);
      });
      req.pipe(meter);
    }
    this.pools[route.upstream].dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: req.url,
        headers: upstreamHeadersOf(req),
        body: meter,
      },
      exchange,
    );
  }

  /**
   * An event stream over the user's cap is answered 429 here, before its headers reach the client; the
   * upstream request is aborted, so the service sees its caller leave.
   */
  refuseStream(req: Request, res: ServerResponse): void {
    const message = `You already have ${String(this.streams.perUser)} event streams open (cap sse_connections_per_user). Close one first.`;
    const state = stateOf(req);
    state.errorMessage = `caller_cap_exceeded: ${message}`;
    applyGatewayHeaders(res, state);
    res.writeHead(429, {
      'content-type': 'application/json; charset=utf-8',
      'retry-after': String(STREAM_RETRY_AFTER_SECONDS),
    });
    res.end(
      JSON.stringify({
        error: {
          code: 'caller_cap_exceeded',
          message,
          details: {
            cap: 'sse_connections_per_user',
            limit: this.streams.perUser,
            retryAfterSeconds: STREAM_RETRY_AFTER_SECONDS,
          },
        },
      }),
    );
  }

  close(): void {
    this.streams.close();
    for (const pool of Object.values(this.pools)) void pool.destroy();
  }
}

const EXCHANGE = Symbol('proxy exchange');
type ExchangeResponse = ServerResponse & { [EXCHANGE]?: ProxyExchange };

/** The client went away: stop the upstream work too (an LLM stream, an upload). One shared listener. */
function onClientClose(this: ExchangeResponse): void {
  if (!this.writableFinished) this[EXCHANGE]?.abort(new Error('the client closed the connection'));
}

/** Backpressure: the client caught up, so the upstream may send again. */
function onClientDrain(this: ExchangeResponse): void {
  this[EXCHANGE]?.controller?.resume();
}

/**
 * One proxied request's answer from upstream (undici's dispatch handler): status and headers in one
 * writeHead, then the body chunk by chunk as it arrives, with backpressure. One object per request and two
 * shared listeners on the client response, instead of a closure per event.
 */
class ProxyExchange implements Dispatcher.DispatchHandler {
  controller: Dispatcher.DispatchController | null = null;
  private clientGone = false;
  private drainListening = false;
  private discard = false;
  private tap: Buffer[] | null = null;
  private tapped = 0;

  constructor(
    private readonly proxy: UpstreamProxy,
    private readonly req: Request,
    private readonly res: ExchangeResponse,
    private readonly next: NextFunction,
    private readonly upstream: UpstreamName,
    private readonly state: GatewayRequestState,
  ) {
    res[EXCHANGE] = this;
    res.once('close', onClientClose);
  }

  abort(reason: Error): void {
    this.clientGone = true;
    this.controller?.abort(reason);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.clientGone) controller.abort(new Error('the client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    status: number,
    headers: IncomingHttpHeaders,
  ): void {
    if (status < 200) return;
    const sse = isEventStream(headers);
    const userId = this.req.identity?.userId;
    if (userId === undefined || !sse) {
      this.respond(status, headers, sse);
      return;
    }
    // An event stream takes one of the user's places first (the only per-request Redis call here).
    controller.pause();
    void this.proxy.streams.tryOpen(userId).then((place) => {
      if (place === null) {
        this.discard = true;
        this.proxy.refuseStream(this.req, this.res);
        controller.abort(new Error('event stream over the cap'));
        return;
      }
      if (this.res.destroyed) {
        place.release();
        controller.abort(new Error('the client closed the connection'));
        return;
      }
      this.res.once('close', place.release);
      this.respond(status, headers, sse);
      controller.resume();
    });
  }

  private respond(status: number, headers: IncomingHttpHeaders, sse: boolean): void {
    const res = this.res;
    if (res.destroyed) {
      this.discard = true;
      return;
    }
    const contentType = headers['content-type'];
    if (status >= 400 && typeof contentType === 'string' && contentType.includes('json')) this.tap = [];
    res.writeHead(status, proxiedHeaders(this.state, headers, sse));
    // Server-Sent Events: headers out at once, so a client (and any proxy in front) sees the stream start.
    if (sse) res.flushHeaders();
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.discard) return;
    if (this.tap !== null) {
      this.tapped += chunk.length;
      if (this.tapped <= ERROR_TAP_BYTES) this.tap.push(chunk);
    }
    if (!this.res.write(chunk)) {
      controller.pause();
      if (!this.drainListening) {
        this.drainListening = true;
        this.res.on('drain', onClientDrain);
      }
    }
  }

  onResponseEnd(): void {
    if (this.discard) return;
    if (this.tap !== null && this.tapped <= ERROR_TAP_BYTES) {
      this.state.errorMessage = errorMessageOf(Buffer.concat(this.tap).toString('utf8'));
    }
    this.res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const { res, state } = this;
    this.proxy.log.debug('proxy error', { upstream: this.upstream, err: error.message });
    if (state.bodyRejected || res.writableEnded || this.discard) return;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (!res.destroyed) this.next(new UpstreamUnavailableError(this.upstream, error));
  }
}

/** Never forwarded as the client sent them; the last four are set by the gateway (one value each). */
const NOT_FORWARDED = new Set([
  ...DROP_REQUEST_HEADERS,
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  REQUEST_ID_HEADER,
]);

/**
 * The upstream request's headers as one flat `[name, value, …]` list, which node:http writes as they are
 * (a header object would cost a validated `setHeader` per header). The client's request headers stay as
 * they were; the services trust exactly one proxy hop (us), so the forwarding headers are our verdict.
 */
function upstreamHeadersOf(req: Request): string[] {
  const state = stateOf(req);
  const headers = req.headers;
  const out: string[] = [];
  for (const name in headers) {
    if (NOT_FORWARDED.has(name)) continue;
    const value = headers[name];
    if (typeof value === 'string') out.push(name, value);
    else if (value !== undefined) for (const item of value) out.push(name, item);
  }
  out.push('x-forwarded-for', state.ip, 'x-forwarded-proto', req.protocol);
  if (headers.host !== undefined) out.push('x-forwarded-host', headers.host);
  const requestId = state.requestId === '' ? headers[REQUEST_ID_HEADER] : state.requestId;
  if (typeof requestId === 'string') out.push(REQUEST_ID_HEADER, requestId);
  return out;
}

function isEventStream(headers: IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  return typeof contentType === 'string' && contentType.startsWith('text/event-stream');
}

function errorMessageOf(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  if (typeof error === 'string') return error;
  if (typeof error === 'object' && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    if (typeof message === 'string') return typeof code === 'string' ? `${code}: ${message}` : message;
  }
  const message = (body as { message?: unknown }).message;
  return typeof message === 'string' ? message : undefined;
}
