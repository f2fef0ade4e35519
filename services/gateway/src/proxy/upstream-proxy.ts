import { Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ProxyServer } from 'http-proxy-3';
import { PayloadTooLargeError, REQUEST_ID_HEADER, type Logger } from '@arasul/service-kit';
import { UpstreamUnavailableError } from '../errors';
import { stateOf } from '../request-state';
import { isUpload, type RouteEntry, type UpstreamName } from '../routing/route-table';
import { BodyMeter } from './body-meter';
import { StreamLimiter } from './stream-limiter';

export interface UpstreamProxyOptions {
  targets: Record<UpstreamName, string>;
  uploadLimitBytes: number;
  bodyLimitBytes: number;
  idleTimeoutMs: number;
  /** How much of a JSON body the audit log may keep. */
  auditCaptureBytes: number;
  /** Open event streams one user may hold through the gateway (SSE_MAX_PER_USER). */
  streamsPerUser: number;
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

/**
 * Streams requests to the owning service and responses back, both ways without buffering, over keep-alive
 * connections (http-proxy-3 does the piping). Bodies are metered on the way through: 413 before the
 * upstream sees a complete oversized body. Server-Sent Events get their headers flushed at once and are
 * marked so no proxy in front of us buffers them.
 */
export class UpstreamProxy {
  private readonly proxy: ProxyServer;
  private readonly agents: Agent[] = [];
  private readonly targets: Record<UpstreamName, { url: URL; agent: Agent }>;
  readonly streams: StreamLimiter;

  constructor(
    private readonly options: UpstreamProxyOptions,
    logger: Logger,
  ) {
    this.targets = Object.fromEntries(
      Object.entries(options.targets).map(([name, url]) => {
        const agent = new Agent({
          keepAlive: true,
          keepAliveMsecs: 1000,
          maxSockets: 512,
          maxFreeSockets: 64,
          scheduling: 'lifo',
        });
        this.agents.push(agent);
        return [name, { url: new URL(url), agent }];
      }),
    ) as Record<UpstreamName, { url: URL; agent: Agent }>;
    this.streams = new StreamLimiter(options.streamsPerUser);
    this.proxy = new ProxyServer({ xfwd: false, changeOrigin: false, proxyTimeout: options.idleTimeoutMs });
    const log = logger.child({ module: 'proxy' });
    this.proxy.on('proxyReq', (proxyReq, req) => {
      const state = (req as Request).gateway;
      if (!state) return;
      if (state.bodyRejected) proxyReq.destroy();
      else state.proxyRequest = proxyReq;
    });
    this.proxy.on('proxyRes', (proxyRes, req, res) => {
      if (this.refusedStream(proxyRes, req as Request, res)) return;
      onUpstreamResponse(proxyRes, req as Request, res);
    });
    // Errors are handled by the per-request callback; this keeps the emitter from throwing.
    this.proxy.on('error', (error) => log.debug('proxy error', { err: error.message }));
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

    prepareUpstreamHeaders(req);
    let meter: BodyMeter | undefined;
    if (hasBody) {
      meter = new BodyMeter(limit, upload ? 0 : this.options.auditCaptureBytes);
      state.body = meter;
      meter.once('error', (error) => {
        state.bodyRejected = true;
        req.unpipe(meter);
        state.proxyRequest?.destroy();
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

    this.proxy.web(
      req,
      res,
      { target: target.url, agent: target.agent, ...(meter ? { buffer: meter } : {}) },
      (error) => {
        if (state.bodyRejected) return;
        if (res.headersSent) {
          res.destroy();
          return;
        }
        next(new UpstreamUnavailableError(route.upstream, error));
      },
    );
  }

  /**
   * An event stream over the user's cap is answered 429 here, before its headers reach the client (the
   * proxy then neither copies headers nor pipes); the upstream connection is cut, so the service sees its
   * caller leave. A stream within the cap holds its place until the response closes.
   */
  private refusedStream(proxyRes: IncomingMessage, req: Request, res: ServerResponse): boolean {
    const userId = req.identity?.userId;
    if (userId === undefined || !proxyRes.headers['content-type']?.startsWith('text/event-stream'))
      return false;
    if (this.streams.tryOpen(userId)) {
      res.once('close', () => this.streams.release(userId));
      return false;
    }
    proxyRes.destroy();
    const message = `You already have ${String(this.streams.perUser)} event streams open (cap sse_connections_per_user). Close one first.`;
    if (req.gateway) req.gateway.errorMessage = `caller_cap_exceeded: ${message}`;
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
    return true;
  }

  close(): void {
    this.proxy.removeAllListeners();
    for (const agent of this.agents) agent.destroy();
  }
}

function prepareUpstreamHeaders(req: Request): void {
  const headers = req.headers;
  for (const name of DROP_REQUEST_HEADERS) Reflect.deleteProperty(headers, name);
  // One value each, the gateway's verdict: the services trust exactly one proxy hop (us).
  headers['x-forwarded-for'] = stateOf(req).ip;
  headers['x-forwarded-proto'] = req.protocol;
  if (headers.host !== undefined) headers['x-forwarded-host'] = headers.host;
  const requestId = req.res?.getHeader('X-Request-Id');
  if (typeof requestId === 'string') headers[REQUEST_ID_HEADER] = requestId;
}

function onUpstreamResponse(proxyRes: IncomingMessage, req: Request, res: ServerResponse): void {
  const headers = proxyRes.headers;
  // Our own connection handling towards the client applies, not the upstream's.
  delete headers.connection;
  delete headers['keep-alive'];

  if (headers['content-type']?.startsWith('text/event-stream')) {
    headers['cache-control'] = 'no-cache';
    headers['x-accel-buffering'] = 'no';
    delete headers['content-length'];
    // The outgoing passes copy the headers synchronously after this event; send them right after.
    process.nextTick(() => {
      if (!res.headersSent && !res.destroyed) res.flushHeaders();
    });
  }

  const status = proxyRes.statusCode ?? 0;
  if (status >= 400 && req.gateway && headers['content-type']?.includes('json'))
    tapErrorMessage(proxyRes, req.gateway);
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
