import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';

export interface RunningServer {
  server: Server;
  port: number;
  /** Stops accepting, lets in-flight requests finish for `graceMs`, then cuts what is left (SSE). */
  close: (graceMs?: number) => Promise<void>;
}

/**
 * Idle keep-alive connections stay open this long. It must outlast the idle time of the gateway's pooled
 * upstream sockets: with Node's default (5 s) a service closed an idle socket just as the gateway reused
 * it, and that request failed with 503 upstream_unavailable (found by the fuzz suite under load).
 */
const KEEP_ALIVE_TIMEOUT_MS = 65_000;

/** Serves an express app, or any `node:http` request listener, on port/host (with `options` for the server). */
export function listen(
  app: RequestListener,
  port: number,
  host = '127.0.0.1',
  options: ServerOptions = {},
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(options, app).listen(port, host);
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1000;
    server.once('error', reject);
    server.once('listening', () => {
      server.off('error', reject);
      const address = server.address();
      const actualPort = typeof address === 'object' && address ? address.port : port;
      resolve({ server, port: actualPort, close: (graceMs = 5000) => closeServer(server, graceMs) });
    });
  });
}

function closeServer(server: Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) {
      resolve();
      return;
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
