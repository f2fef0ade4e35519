import { setTimeout as sleep } from 'node:timers/promises';
import * as amqp from 'amqplib';
import type { ChannelModel, SocketOptions } from 'amqplib';
import { type Logger, errorMeta } from '../logger';
import { bounded } from './consumer';
import { ConfirmPublisher, unavailable } from './publisher';
import type { Topology } from './topology';

export interface ConnectionSettings {
  url: string;
  connectionName: string;
  connectTimeoutMs: number;
  heartbeatSeconds: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  closeTimeoutMs: number;
}

export interface Session {
  connection: ChannelModel;
  publisher: ConfirmPublisher;
  openedAt: number;
  /** Set as soon as anything about the connection is known to be broken, before 'close' arrives. */
  broken: boolean;
  /** The connection itself has closed ('close' event). */
  connectionClosed: boolean;
  closed: Promise<Error | undefined>;
}

export interface ConnectionStatus {
  connectedSince: string | null;
  reconnects: number;
  lastError: { message: string; at: string } | null;
}

/** A connection that lived at least this long was healthy: the next reconnect starts without back-off. */
const STABLE_CONNECTION_MS = 10_000;

/**
 * Connection management of `AmqpClient`: one connection, rebuilt forever with capped exponential back-off
 * and jitter; after every (re)connect the topology is declared, a confirm channel opened and `prepare` run
 * (the consumers restart there). Publishing and consuming only ask it for a usable session.
 *
 * Why hand-written and not `amqp-connection-manager` 5.0.0, observed against the test suite's broker
 * (how: README "Messaging"):
 * - it reconnects after a fixed delay (`reconnectTimeInSeconds`), without back-off or jitter;
 * - its publish queue is unbounded while the broker is down: 20,000 publishes were all still queued after
 *   2 s (+56 MiB RSS), none refused; a timeout rejects with a bare `Error('timeout')`, so callers could not
 *   tell "unavailable" from "backpressure" (our `rabbitmq_unavailable` / `rabbitmq_backpressure`);
 * - a mandatory message to a missing queue resolved as delivered (basic.return is not mapped), which our
 *   "re-declares a work queue deleted behind its back" test forbids;
 * - `ChannelWrapper.ack` acks on the *current* channel: a handler that finishes after a reconnect acked
 *   its old delivery tag on the new channel and the broker closed it (406 PRECONDITION_FAILED "unknown
 *   delivery tag 1"), or, as tags restart at 1, would ack a different message. Our consumer acks on the
 *   channel that delivered, which the broker-restart tests rely on.
 * Wrapping it would have kept every one of these parts hand-written, so it would add a layer, not remove one.
 */
export class AmqpConnection {
  private readonly stateWaiters = new Set<() => void>();
  private readonly stop = new AbortController();
  private session: Session | undefined;
  private loop: Promise<void> | undefined;
  /** Serialises (re)connect setup with subscribe/consume, so none of them misses the other. */
  private setupChain: Promise<unknown> = Promise.resolve();
  private lastError: { message: string; at: string } | null = null;
  private connectedSince: number | null = null;
  private reconnects = 0;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly topology: Topology,
    private readonly log: Logger,
    /** Runs on every new connection after the topology is declared, e.g. to start the consumers. */
    private readonly prepare: (connection: ChannelModel) => Promise<void>,
  ) {}

  /** Starts the connect loop (idempotent). */
  start(): void {
    this.loop ??= this.run().catch((error: unknown) => {
      this.log.error('amqp connection loop crashed', errorMeta(error));
    });
  }

  get started(): boolean {
    return this.loop !== undefined;
  }

  /** close() has begun: no new connection, no waiting for one. */
  get stopping(): boolean {
    return this.stop.signal.aborted;
  }

  get isConnected(): boolean {
    return this.session !== undefined && !this.session.broken;
  }

  status(): ConnectionStatus {
    return {
      connectedSince: this.connectedSince === null ? null : new Date(this.connectedSince).toISOString(),
      reconnects: this.reconnects,
      lastError: this.lastError,
    };
  }

  lastErrorMessage(): string | undefined {
    return this.lastError?.message;
  }

  /** A session that is not known to be broken (while closing, too: handlers still publish as they finish). */
  usableSession(): Session | undefined {
    const session = this.session;
    return session && !session.broken && !session.publisher.isClosed ? session : undefined;
  }

  /** Waits until `deadline` for a usable session; rejects with `rabbitmq_unavailable`. */
  async waitForSession(deadline: number): Promise<Session> {
    for (;;) {
      const session = this.usableSession();
      if (session) return session;
      if (this.stop.signal.aborted) throw unavailable('AmqpClient is closed');
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        const why = this.lastError ? ` (${this.lastError.message})` : '';
        throw unavailable(`RabbitMQ is not reachable${why}`);
      }
      await this.nextStateChange(remaining);
    }
  }

  /** Runs `fn` after any (re)connect setup in progress, and before the next one starts. */
  withSetupLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.setupChain.then(fn, fn);
    this.setupChain = run.catch(() => undefined);
    return run;
  }

  /** `connection` is unusable: rebuild everything, unless that connection is already gone. */
  requestReconnect(reason: string, connection: ChannelModel): void {
    const session = this.session;
    if (session?.connection === connection) this.dropSession(session, reason);
  }

  /** Marks the session unusable and closes its connection; the loop then reconnects. Idempotent. */
  dropSession(session: Session, reason: string, error?: unknown): void {
    if (session.broken) return;
    session.broken = true;
    this.notifyStateChange();
    // Channels close just before their connection does; wait a tick so a lost connection is logged
    // once (by the loop), not once per channel.
    setImmediate(() => {
      if (session.connectionClosed || this.stop.signal.aborted) return;
      this.log.warn('dropping rabbitmq connection to recover', {
        reason,
        ...(error ? errorMeta(error) : {}),
      });
      void closeConnection(session.connection, Date.now() + this.settings.closeTimeoutMs);
    });
  }

  /** First step of close(): stop reconnecting and wake everyone who waits for a connection. */
  beginClose(): void {
    this.stop.abort();
    this.notifyStateChange();
  }

  /** Last step of close(): close the connection and wait (bounded) for the loop to end. */
  async finishClose(deadline: number): Promise<void> {
    const session = this.session;
    if (session) await closeConnection(session.connection, deadline);
    if (this.loop) await bounded(this.loop, deadline + 1_000).catch(() => undefined);
  }

  private async run(): Promise<void> {
    let failures = 0; // drives the back-off
    let attempts = 0; // connect attempts in this outage, for the log
    let outageLogged = false;
    let everConnected = false;
    let downSince = Date.now();
    while (!this.stop.signal.aborted) {
      if (failures > 0) {
        const delay = this.backoffMs(failures);
        try {
          await sleep(delay, undefined, { signal: this.stop.signal });
        } catch {
          break; // close() interrupted the back-off
        }
      }
      let session: Session;
      attempts += 1;
      try {
        session = await this.withSetupLock(() => this.openSession());
      } catch (error) {
        failures += 1;
        this.recordError(error);
        if (this.stop.signal.aborted) break;
        if (!outageLogged) {
          outageLogged = true;
          this.log.warn(
            everConnected ? 'rabbitmq reconnect failed, retrying' : 'rabbitmq unreachable, retrying',
            {
              broker: brokerLabel(this.settings.url),
              ...errorMeta(error),
            },
          );
        } else {
          this.log.debug('rabbitmq connect attempt failed', { attempt: attempts, ...errorMeta(error) });
        }
        continue;
      }

      this.log.info(everConnected ? 'rabbitmq reconnected' : 'rabbitmq connected', {
        broker: brokerLabel(this.settings.url),
        attempts,
        downMs: Date.now() - downSince,
      });
      attempts = 0;
      if (everConnected) this.reconnects += 1;
      everConnected = true;
      outageLogged = false;

      const reason = await session.closed;
      if (this.session === session) this.session = undefined;
      this.connectedSince = null;
      this.notifyStateChange();
      if (this.stop.signal.aborted) break;

      downSince = Date.now();
      failures = downSince - session.openedAt >= STABLE_CONNECTION_MS ? 0 : failures + 1;
      if (reason) this.recordError(reason);
      outageLogged = true;
      this.log.warn('rabbitmq connection lost, reconnecting', reason ? errorMeta(reason) : {});
    }
  }

  /** Connects, declares the topology, opens the confirm channel and runs `prepare`. */
  private async openSession(): Promise<Session> {
    if (this.stop.signal.aborted) throw unavailable('AmqpClient is closing');
    const connection = await connectWithin(this.settings, this.settings.connectTimeoutMs);
    let resolveClosed: (reason: Error | undefined) => void = () => undefined;
    const closed = new Promise<Error | undefined>((resolve) => (resolveClosed = resolve));
    const session = {
      connection,
      openedAt: Date.now(),
      broken: false,
      connectionClosed: false,
      closed,
    } as Session;

    // 'error' precedes 'close' for fatal errors; it must have a listener or Node throws it.
    connection.on('error', (error: unknown) => this.recordError(error));
    connection.on('close', (error?: Error) => {
      session.broken = true;
      session.connectionClosed = true;
      resolveClosed(error);
      this.notifyStateChange();
    });
    connection.on('blocked', (reason: string) =>
      this.log.warn('rabbitmq blocked publishing (resource alarm)', { reason }),
    );
    connection.on('unblocked', () => this.log.info('rabbitmq unblocked publishing'));

    try {
      const setup = await connection.createChannel();
      setup.on('error', (error: unknown) => this.log.error('topology declaration failed', errorMeta(error)));
      await this.topology.assert(setup);
      await setup.close();

      const confirm = await connection.createConfirmChannel();
      confirm.on('error', (error: unknown) => this.log.warn('publish channel error', errorMeta(error)));
      confirm.on('close', () => this.dropSession(session, 'publish channel closed'));
      session.publisher = new ConfirmPublisher(confirm);

      await this.prepare(connection);
      if (this.stop.signal.aborted) throw unavailable('AmqpClient is closing');
    } catch (error) {
      session.broken = true;
      await closeConnection(connection, Date.now() + this.settings.connectTimeoutMs);
      throw error;
    }
    this.session = session;
    this.connectedSince = session.openedAt;
    this.notifyStateChange();
    return session;
  }

  private backoffMs(failures: number): number {
    const { reconnectInitialDelayMs: initial, reconnectMaxDelayMs: max } = this.settings;
    const exponential = Math.min(max, initial * 2 ** Math.min(failures - 1, 20));
    // "Equal jitter": half fixed, half random, so restarted services do not reconnect in lock-step.
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
  }

  /** Resolves on the next connect/disconnect/close, or after `timeoutMs`. One entry per waiting caller. */
  private nextStateChange(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.stateWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.stateWaiters.add(done);
    });
  }

  private notifyStateChange(): void {
    for (const waiter of [...this.stateWaiters]) waiter();
  }

  private recordError(error: unknown): void {
    this.lastError = {
      message: error instanceof Error ? error.message : String(error),
      at: new Date().toISOString(),
    };
  }
}

/** Connects within `timeoutMs` (TCP + AMQP handshake); the URL gets a heartbeat unless it sets one. */
function connectWithin(settings: ConnectionSettings, timeoutMs: number): Promise<ChannelModel> {
  const socketOptions: SocketOptions = {
    timeout: timeoutMs,
    clientProperties: { connection_name: settings.connectionName },
  };
  return new Promise<ChannelModel>((resolve, reject) => {
    let settled = false;
    // amqplib's socket timeout is an idle timeout; this bounds the whole handshake too.
    const timer = setTimeout(() => {
      settled = true;
      reject(unavailable(`no AMQP handshake within ${timeoutMs} ms`));
    }, timeoutMs);
    amqp.connect(withHeartbeat(settings.url, settings.heartbeatSeconds), socketOptions).then(
      (connection) => {
        if (settled) {
          connection.on('error', () => undefined);
          connection.close().catch(() => undefined);
          return;
        }
        settled = true;
        clearTimeout(timer);
        resolve(connection);
      },
      (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(toError(error));
      },
    );
  });
}

/** Closes a connection, bounded: a peer that never answers Close gets its socket destroyed. */
async function closeConnection(connection: ChannelModel, deadline: number): Promise<void> {
  try {
    await bounded(connection.close(), deadline);
  } catch {
    // Already closed, or the broker did not answer: cut the socket so 'close' fires and nothing leaks.
    const stream = (connection.connection as unknown as { stream?: { destroy?: () => void } }).stream;
    stream?.destroy?.();
  }
}

/** The URL with a heartbeat unless it sets one, so a silently dead broker is noticed. */
function withHeartbeat(raw: string, heartbeatSeconds: number): string {
  try {
    const url = new URL(raw);
    if (!url.searchParams.has('heartbeat')) url.searchParams.set('heartbeat', String(heartbeatSeconds));
    return url.toString();
  } catch {
    return raw;
  }
}

/** host:port/vhost, never the credentials. */
function brokerLabel(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.hostname}:${url.port || '5672'}${url.pathname}`;
  } catch {
    return 'invalid RABBITMQ_URL';
  }
}

/** Node's own errors fail `instanceof Error` across realms (jest's sandbox); keep anything with a message. */
function toError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    return error as Error;
  }
  return new Error(String(error));
}
