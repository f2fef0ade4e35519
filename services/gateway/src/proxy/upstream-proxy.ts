import { Agent, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { PayloadTooLargeError, REQUEST_ID_HEADER, type Logger } from '@arasul/service-kit';
import { UpstreamUnavailableError } from '../errors';
import { stateOf } from '../request-state';
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

/** Hop-by-hop headers (RFC 9110 §7.6.1) and credentials the services must never see. */
const DROP_REQUEST_HEADERS = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'upgrade',
  'authorization',
  'x-api-key',
];
const ERROR_TAP_BYTES = 8192;

interface UpstreamTarget {
  host: string;
  port: number;
  agent: Agent;
}

/**
 * Streams requests to the owning service and responses back, both ways without buffering, over keep-alive
 * connections (one pooled `node:http` Agent per service; the piping is ours, a few calls per request).
 * Bodies are metered on the way through: 413 before the upstream sees a complete oversized body.
 * Server-Sent Events get their headers flushed at once and are marked so no proxy in front of us buffers
 * them. An upstream that sends nothing either way for `idleTimeoutMs` is abandoned.
 */
export class UpstreamProxy {
  private readonly targets: Record<UpstreamName, UpstreamTarget>;
  private readonly log: Logger;
  readonly streams: SharedStreamLimiter;

  constructor(
    private readonly options: UpstreamProxyOptions,
    logger: Logger,
  ) {
    this.targets = Object.fromEntries(
      Object.entries(options.targets).map(([name, url]) => {
        const parsed = new URL(url);
        const agent = new Agent({
          keepAlive: true,
          keepAliveMsecs: 1000,
          maxSockets: 512,
          maxFreeSockets: 64,
          scheduling: 'lifo',
        });
        return [name, { host: parsed.hostname, port: Number(parsed.port || 80), agent }];
      }),
    ) as Record<UpstreamName, UpstreamTarget>;
    this.streams = options.streams;
    this.log = logger.child({ module: 'proxy' });
  }

  forward(req: Request, res: Response, next: NextFunction, route: RouteEntry): void {
    const state = stateOf(req);
    const target = this.targets[route.upstream];
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

    const proxyReq = httpRequest({
      host: target.host,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: upstreamHeadersOf(req),
      agent: target.agent,
      setHost: false,
    });
    state.proxyRequest = proxyReq;
    proxyReq.setTimeout(this.options.idleTimeoutMs, () => {
      proxyReq.destroy(new Error(`no data from ${route.upstream} for ${this.options.idleTimeoutMs} ms`));
    });
    // The client went away: stop the upstream work too (an LLM stream, an upload).
    res.once('close', () => {
      if (!res.writableFinished) proxyReq.destroy();
    });
    proxyReq.on('error', (error) => {
      this.log.debug('proxy error', { upstream: route.upstream, err: error.message });
      if (state.bodyRejected || res.writableEnded) return;
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!res.destroyed) next(new UpstreamUnavailableError(route.upstream, error));
    });
    proxyReq.once('response', (proxyRes) => {
      const userId = req.identity?.userId;
      if (userId === undefined || !isEventStream(proxyRes)) {
        respond(proxyRes, req, res);
        return;
      }
      // An event stream takes one of the user's places first (the only per-request Redis call here).
      void this.streams.tryOpen(userId).then((place) => {
        if (place === null) {
          this.refuseStream(proxyRes, req, res);
          return;
        }
        if (res.destroyed) {
          place.release();
          proxyRes.destroy();
          return;
        }
        res.once('close', place.release);
        respond(proxyRes, req, res);
      });
    });

    if (!hasBody) {
      proxyReq.end();
      return;
    }
    const meter = new BodyMeter(limit, upload ? 0 : this.options.auditCaptureBytes);
    state.body = meter;
    meter.once('error', (error) => {
      state.bodyRejected = true;
      req.unpipe(meter);
      proxyReq.destroy();
      // Keep reading what the client still sends, so it sees our 413 instead of a reset connection.
      req.resume();
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.setHeader('Connection', 'close');
      next(error);
    });
    req.pipe(meter).pipe(proxyReq);
  }

  /**
   * An event stream over the user's cap is answered 429 here, before its headers reach the client; the
   * upstream connection is cut, so the service sees its caller leave.
   */
  private refuseStream(proxyRes: IncomingMessage, req: Request, res: ServerResponse): void {
    proxyRes.destroy();
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
    for (const { agent } of Object.values(this.targets)) agent.destroy();
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

function isEventStream(proxyRes: IncomingMessage): boolean {
  return proxyRes.headers['content-type']?.startsWith('text/event-stream') ?? false;
}

/** Sends the upstream's answer on: status and headers in one writeHead, then the body, piped without buffering. */
function respond(proxyRes: IncomingMessage, req: Request, res: ServerResponse): void {
  const sse = isEventStream(proxyRes);
  const state = stateOf(req);
  const status = proxyRes.statusCode ?? 502;
  if (status >= 400 && proxyRes.headers['content-type']?.includes('json')) tapErrorMessage(proxyRes, state);
  proxyRes.once('error', () => res.destroy());
  proxyRes.once('aborted', () => res.destroy());
  if (res.destroyed) {
    proxyRes.resume();
    return;
  }
  res.writeHead(status, proxiedHeaders(state, proxyRes.headers, sse));
  // Server-Sent Events: headers out at once, so a client (and any proxy in front) sees the stream start.
  if (sse) res.flushHeaders();
  forwardBody(proxyRes, res);
}

/**
 * The body, chunk by chunk as it arrives, with backpressure: what `pipe` does for us minus its bookkeeping
 * (seven listeners added and removed per answer). Errors and a client that leaves are handled by `forward`
 * and `respond` (the upstream request is destroyed, or the client connection).
 */
function forwardBody(proxyRes: IncomingMessage, res: ServerResponse): void {
  proxyRes.on('data', (chunk: Buffer) => {
    if (!res.write(chunk)) proxyRes.pause();
  });
  res.on('drain', () => proxyRes.resume());
  proxyRes.once('end', () => res.end());
}

/** Reads the `error.message` of a small JSON error answer for the audit log, alongside the normal piping. */
function tapErrorMessage(proxyRes: IncomingMessage, state: { errorMessage?: string }): void {
  const chunks: Buffer[] = [];
  let size = 0;
  proxyRes.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= ERROR_TAP_BYTES) chunks.push(chunk);
  });
  proxyRes.once('end', () => {
    if (size > ERROR_TAP_BYTES) return;
    state.errorMessage = errorMessageOf(Buffer.concat(chunks).toString('utf8'));
  });
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
