import { setTimeout as sleep } from 'node:timers/promises';
import * as amqp from 'amqplib';
import type { ChannelModel, Options, SocketOptions } from 'amqplib';
import { z } from 'zod';
import {
  type Envelope,
  type EventPayload,
  type EventPayloadInput,
  type EventType,
  type JobPayload,
  type JobPayloadInput,
  type JobQueueName,
  ROUTING_KEY_PATTERN,
  envelopeSchema,
  eventSchemas,
  isEventType,
  jobSchemas,
  isJobQueueName,
} from '@arasul/contracts';
import { AppError, UnavailableError } from '../errors';
import { currentRequestId } from '../context';
import type { HealthCheck } from '../health';
import { type Logger, errorMeta } from '../logger';
import {
  type ConsumeOptions,
  type ConsumerHost,
  type ConsumerStats,
  type IdempotencyOptions,
  type MessageHandler,
  QueueConsumer,
  type TransactionalMessageHandler,
  bounded,
} from './consumer';
import {
  AMQP_ERROR_CODES,
  ChannelClosedError,
  ConfirmPublisher,
  UnroutableError,
  unavailable,
} from './publisher';
import { type RetryPolicy, Topology } from './topology';

export interface AmqpClientOptions {
  /** `RABBITMQ_URL`, e.g. `amqp://guest:guest@127.0.0.1:5672`. */
  url: string;
  /** The service name: `source` of every envelope and the default connection name. */
  service: string;
  logger: Logger;
  /** Defaults to a topology with the platform's work queues and no namespace. */
  topology?: Topology;
  /** Shown by `rabbitmqctl list_connections client_properties`; defaults to `service`. */
  connectionName?: string;
  /** Bound on one connection attempt (TCP + AMQP handshake). Default 5 s. */
  connectTimeoutMs?: number;
  /** How long publish waits for a connection and the broker's confirm before rejecting. Default 5 s. */
  publishTimeoutMs?: number;
  /** AMQP heartbeat, so a dead peer is noticed within about two intervals. Default 15 s. */
  heartbeatSeconds?: number;
  /** Reconnect back-off: first delay, then doubling (with jitter) up to the maximum. Defaults 250 ms / 15 s. */
  reconnectInitialDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** Publishes in progress (waiting for a connection or a confirm) before new ones are refused. Default 1000. */
  maxPendingPublishes?: number;
  /** Largest serialised envelope. Default 1 MiB. */
  maxMessageBytes?: number;
  /** How long `close()` waits for running handlers and unconfirmed publishes. Default 10 s. */
  closeTimeoutMs?: number;
}

export interface PublishOptions {
  /** Reuse an envelope id when re-publishing the same fact (e.g. an outbox replay) so consumers dedupe. */
  id?: string;
  /** Defaults to the request id of the current context (`runWithContext`), else `null`. */
  requestId?: string | null;
  /** Overrides `publishTimeoutMs` for this message. */
  timeoutMs?: number;
}

export interface ConsumerHandle {
  readonly queue: string;
  /** Stops this consumer (running handlers finish, bounded by `closeTimeoutMs`). */
  cancel(): Promise<void>;
}

interface Session {
  connection: ChannelModel;
  publisher: ConfirmPublisher;
  openedAt: number;
  /** Set as soon as anything about the connection is known to be broken, before 'close' arrives. */
  broken: boolean;
  /** The connection itself has closed ('close' event). */
  connectionClosed: boolean;
  closed: Promise<Error | undefined>;
}

/** The envelope around an already validated payload. */
const ENVELOPE_FIELDS = envelopeSchema(z.unknown());

/** A connection that lived at least this long was healthy: the next reconnect starts without back-off. */
const STABLE_CONNECTION_MS = 10_000;

/**
 * The one AMQP connection of a service. It connects in the background, reconnects forever with capped
 * exponential back-off and jitter, and after every reconnect re-declares the topology and restarts every
 * registered consumer. Publishing waits (bounded) for a connection and a broker confirm; nothing is
 * buffered beyond `maxPendingPublishes` callers, and nothing is dropped silently.
 *
 * ```ts
 * const amqp = new AmqpClient({ url: config.RABBITMQ_URL, service: 'auth', logger }).start();
 * health.register(amqp.healthCheck()); shutdown.add('amqp', () => amqp.close());
 * await amqp.publish('auth.account.locked', { userId, username, lockedUntil, failedAttempts });
 * ```
 */
export class AmqpClient {
  readonly topology: Topology;
  private readonly log: Logger;
  private readonly settings: Required<Omit<AmqpClientOptions, 'topology' | 'logger'>>;
  private readonly consumers = new Map<string, QueueConsumer>();
  private readonly stateWaiters = new Set<() => void>();
  private readonly pendingPublishes = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  /** Aborted when close() stops waiting for handlers; handlers see it in their signal. */
  private readonly handlersAbort = new AbortController();
  private session: Session | undefined;
  private loop: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Serialises (re)connect setup with subscribe/consume, so none of them misses the other. */
  private setupChain: Promise<unknown> = Promise.resolve();
  private lastError: { message: string; at: string } | null = null;
  private connectedSince: number | null = null;
  private reconnects = 0;

  constructor(options: AmqpClientOptions) {
    this.topology = options.topology ?? new Topology();
    this.log = options.logger.child({ module: 'amqp' });
    this.settings = {
      url: options.url,
      service: options.service,
      connectionName: options.connectionName ?? options.service,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      publishTimeoutMs: options.publishTimeoutMs ?? 5_000,
      heartbeatSeconds: options.heartbeatSeconds ?? 15,
      reconnectInitialDelayMs: options.reconnectInitialDelayMs ?? 250,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 15_000,
      maxPendingPublishes: options.maxPendingPublishes ?? 1_000,
      maxMessageBytes: options.maxMessageBytes ?? 1024 * 1024,
      closeTimeoutMs: options.closeTimeoutMs ?? 10_000,
    };
  }

  /** Starts connecting in the background (idempotent). Use `waitUntilConnected` to block on it. */
  start(): this {
    if (this.closing) throw new Error('AmqpClient is closed');
    this.loop ??= this.run().catch((error: unknown) => {
      this.log.error('amqp connection loop crashed', errorMeta(error));
    });
    return this;
  }

  get isConnected(): boolean {
    return this.session !== undefined && !this.session.broken;
  }

  /** Resolves once connected; rejects with `rabbitmq_unavailable` after `timeoutMs`. */
  async waitUntilConnected(timeoutMs = this.settings.publishTimeoutMs): Promise<void> {
    this.assertStarted();
    await this.waitForSession(Date.now() + timeoutMs);
  }

  /**
   * Publishes an event to `arasul.events`, resolved once the broker confirmed it. The payload is checked
   * against `eventSchemas[routingKey]`; an event outside the registry must bring its own `schema`.
   */
  publish<K extends EventType>(
    routingKey: K,
    payload: EventPayloadInput<K>,
    options?: PublishOptions,
  ): Promise<Envelope<EventPayload<K>>>;
  publish<S extends z.ZodType>(
    routingKey: string,
    payload: z.input<S>,
    options: PublishOptions & { schema: S },
  ): Promise<Envelope<z.output<S>>>;
  async publish(
    routingKey: string,
    payload: unknown,
    options: PublishOptions & { schema?: z.ZodType } = {},
  ): Promise<Envelope<unknown>> {
    const schema = options.schema ?? (isEventType(routingKey) ? eventSchemas[routingKey] : undefined);
    if (!schema) {
      throw new AppError(AMQP_ERROR_CODES.unknownType, `no schema for event "${routingKey}"`, 500);
    }
    const envelope = this.buildEnvelope(routingKey, schema, payload, options);
    await this.publishEnvelope(this.topology.exchange, routingKey, envelope, false, options.timeoutMs);
    return envelope;
  }

  /** Sends a job to a work queue (checked against `jobSchemas[queue]`), resolved once the broker confirmed it. */
  async sendToQueue<Q extends JobQueueName>(
    queue: Q,
    payload: JobPayloadInput<Q>,
    options: PublishOptions = {},
  ): Promise<Envelope<JobPayload<Q>>> {
    if (!isJobQueueName(queue) || this.topology.get(queue)?.kind !== 'work') {
      throw new AppError(
        AMQP_ERROR_CODES.unknownType,
        `"${String(queue)}" is not a declared work queue`,
        500,
      );
    }
    const envelope = this.buildEnvelope(queue, jobSchemas[queue], payload, options);
    // Mandatory: a job that reaches no queue is an error, not a silent drop.
    await this.publishEnvelope('', this.topology.queueName(queue), envelope, true, options.timeoutMs);
    return envelope as Envelope<JobPayload<Q>>;
  }

  /**
   * Declares a subscriber queue bound to event patterns (see `Topology.subscribe`) and, when connected,
   * creates it on the broker now; otherwise it is created on connect.
   */
  async subscribe(
    queue: string,
    patterns: readonly string[],
    options: { retry?: RetryPolicy } = {},
  ): Promise<void> {
    const definition = this.topology.subscribe(queue, patterns, options);
    await this.withSetupLock(async () => {
      const session = this.usableSession();
      if (!session) return;
      try {
        const channel = await session.connection.createChannel();
        channel.on('error', (error: unknown) => this.log.warn('declaration channel error', errorMeta(error)));
        await this.topology.assertQueue(channel, definition);
        await channel.close();
      } catch (error) {
        // A broken connection is rebuilt, and the reconnect declares the queue.
        this.dropSession(session, 'declaring a subscriber queue failed', error);
      }
    });
  }

  /**
   * Consumes a declared queue (work queue or subscriber queue). With `idempotency`, the handler runs in one
   * Postgres transaction with the `amqp_processed_messages` marker and gets it as `trx`; an envelope id that
   * consumer already processed is acked without calling the handler.
   */
  consume<S extends z.ZodType, DB>(
    queue: string,
    payloadSchema: S,
    handler: TransactionalMessageHandler<z.output<S>, DB>,
    options: ConsumeOptions & { idempotency: IdempotencyOptions<DB> },
  ): Promise<ConsumerHandle>;
  consume<S extends z.ZodType>(
    queue: string,
    payloadSchema: S,
    handler: MessageHandler<z.output<S>>,
    options?: ConsumeOptions,
  ): Promise<ConsumerHandle>;
  async consume(
    queue: string,
    payloadSchema: z.ZodType,
    handler: (context: never) => Promise<void>,
    options: ConsumeOptions & { idempotency?: IdempotencyOptions<unknown> } = {},
  ): Promise<ConsumerHandle> {
    this.assertStarted();
    if (this.closing) throw new Error('AmqpClient is closed');
    const definition = this.topology.get(queue);
    if (!definition)
      throw new Error(`queue ${queue} is not declared: subscribe() to it or add it to WORK_QUEUES`);
    if (this.consumers.has(queue)) throw new Error(`queue ${queue} already has a consumer in this client`);
    const consumer = new QueueConsumer(
      this.consumerHost(),
      definition,
      payloadSchema,
      handler as ConstructorParameters<typeof QueueConsumer>[3],
      options,
      options.idempotency,
    );
    this.consumers.set(queue, consumer);
    await this.withSetupLock(async () => {
      const session = this.usableSession();
      if (!session) return; // started by the next connect
      try {
        await consumer.start(session.connection);
      } catch (error) {
        this.dropSession(session, `starting the consumer of ${queue} failed`, error);
      }
    });
    return {
      queue,
      cancel: async () => {
        if (this.consumers.get(queue) !== consumer) return;
        this.consumers.delete(queue);
        await consumer.stop(Date.now() + this.settings.closeTimeoutMs);
      },
    };
  }

  /** Readiness: down while disconnected; reports per-consumer counters either way. */
  healthCheck(): HealthCheck {
    return {
      name: 'rabbitmq',
      check: async () => {
        const consumers: Record<string, ConsumerStats> = {};
        for (const [queue, consumer] of this.consumers) consumers[queue] = { ...consumer.stats };
        if (!this.isConnected) {
          const why = this.lastError ? `: ${this.lastError.message}` : '';
          throw new Error(`not connected to RabbitMQ${why}`);
        }
        return {
          connectedSince: this.connectedSince === null ? null : new Date(this.connectedSince).toISOString(),
          reconnects: this.reconnects,
          pendingPublishes: this.pendingPublishes.size,
          lastError: this.lastError,
          consumers,
        };
      },
    };
  }

  /**
   * Stops consuming, waits (bounded by `closeTimeoutMs`) for running handlers and unconfirmed publishes,
   * then closes channels and the connection. Safe to call more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const deadline = Date.now() + this.settings.closeTimeoutMs;
    this.stop.abort();
    this.notifyStateChange();
    await Promise.all([...this.consumers.values()].map((consumer) => consumer.stop(deadline)));
    this.handlersAbort.abort();
    if (this.pendingPublishes.size > 0) {
      await bounded(Promise.allSettled([...this.pendingPublishes]), deadline).catch(() => undefined);
    }
    const session = this.session;
    if (session) await this.closeConnection(session.connection, deadline);
    if (this.loop) await bounded(this.loop, deadline + 1_000).catch(() => undefined);
    this.consumers.clear();
    this.log.info('rabbitmq client closed');
  }

  // --- connection loop ---------------------------------------------------------------------------

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
              broker: this.brokerLabel(),
              ...errorMeta(error),
            },
          );
        } else {
          this.log.debug('rabbitmq connect attempt failed', { attempt: attempts, ...errorMeta(error) });
        }
        continue;
      }

      this.log.info(everConnected ? 'rabbitmq reconnected' : 'rabbitmq connected', {
        broker: this.brokerLabel(),
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

  /** Connects, declares the topology, opens the confirm channel and starts every consumer. */
  private async openSession(): Promise<Session> {
    if (this.stop.signal.aborted) throw unavailable('AmqpClient is closing');
    const connection = await this.connectWithin(this.settings.connectTimeoutMs);
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

      for (const consumer of this.consumers.values()) await consumer.start(connection);
      if (this.stop.signal.aborted) throw unavailable('AmqpClient is closing');
    } catch (error) {
      session.broken = true;
      await this.closeConnection(connection, Date.now() + this.settings.connectTimeoutMs);
      throw error;
    }
    this.session = session;
    this.connectedSince = session.openedAt;
    this.notifyStateChange();
    return session;
  }

  private connectWithin(timeoutMs: number): Promise<ChannelModel> {
    const socketOptions: SocketOptions = {
      timeout: timeoutMs,
      clientProperties: { connection_name: this.settings.connectionName },
    };
    return new Promise<ChannelModel>((resolve, reject) => {
      let settled = false;
      // amqplib's socket timeout is an idle timeout; this bounds the whole handshake too.
      const timer = setTimeout(() => {
        settled = true;
        reject(unavailable(`no AMQP handshake within ${timeoutMs} ms`));
      }, timeoutMs);
      amqp.connect(this.connectUrl(), socketOptions).then(
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

  /** Marks the session unusable and closes its connection; the loop then reconnects. Idempotent. */
  private dropSession(session: Session, reason: string, error?: unknown): void {
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
      void this.closeConnection(session.connection, Date.now() + this.settings.closeTimeoutMs);
    });
  }

  /** Closes a connection, bounded: a peer that never answers Close gets its socket destroyed. */
  private async closeConnection(connection: ChannelModel, deadline: number): Promise<void> {
    try {
      await bounded(connection.close(), deadline);
    } catch {
      // Already closed, or the broker did not answer: cut the socket so 'close' fires and nothing leaks.
      const stream = (connection.connection as unknown as { stream?: { destroy?: () => void } }).stream;
      stream?.destroy?.();
    }
  }

  private backoffMs(failures: number): number {
    const { reconnectInitialDelayMs: initial, reconnectMaxDelayMs: max } = this.settings;
    const exponential = Math.min(max, initial * 2 ** Math.min(failures - 1, 20));
    // "Equal jitter": half fixed, half random, so restarted services do not reconnect in lock-step.
    return Math.round(exponential / 2 + (Math.random() * exponential) / 2);
  }

  // --- publishing ----------------------------------------------------------------------------------

  private buildEnvelope(
    type: string,
    schema: z.ZodType,
    payload: unknown,
    options: PublishOptions,
  ): Envelope<unknown> {
    this.assertStarted();
    if (!ROUTING_KEY_PATTERN.test(type)) {
      throw new AppError(AMQP_ERROR_CODES.unknownType, `"${type}" is not a valid routing key`, 500);
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) {
      throw new AppError(
        AMQP_ERROR_CODES.invalidPayload,
        `payload of "${type}" does not match its schema`,
        500,
        {
          details: parsed.error.issues,
        },
      );
    }
    const envelope: Envelope<unknown> = {
      id: options.id ?? globalThis.crypto.randomUUID(),
      type,
      occurredAt: new Date().toISOString(),
      source: this.settings.service,
      requestId: options.requestId === undefined ? (currentRequestId() ?? null) : options.requestId,
      payload: parsed.data,
    };
    const check = ENVELOPE_FIELDS.safeParse(envelope); // checks `id` and `requestId` from the options
    if (!check.success) {
      throw new AppError(AMQP_ERROR_CODES.invalidPayload, `envelope of "${type}" is invalid`, 500, {
        details: check.error.issues,
      });
    }
    return envelope;
  }

  private async publishEnvelope(
    exchange: string,
    routingKey: string,
    envelope: Envelope<unknown>,
    mandatory: boolean,
    timeoutMs = this.settings.publishTimeoutMs,
  ): Promise<void> {
    const content = Buffer.from(JSON.stringify(envelope), 'utf8');
    if (content.length > this.settings.maxMessageBytes) {
      throw new AppError(
        AMQP_ERROR_CODES.tooLarge,
        `message of ${content.length} bytes exceeds ${this.settings.maxMessageBytes}`,
        500,
      );
    }
    const headers: Record<string, string> = {};
    if (envelope.requestId !== null) headers['x-request-id'] = envelope.requestId;
    const options: Options.Publish = {
      persistent: true,
      mandatory,
      messageId: envelope.id,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      type: envelope.type,
      appId: envelope.source,
      timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
      headers,
    };
    await this.publishRaw(exchange, routingKey, content, options, timeoutMs);
  }

  /**
   * Publishes with a broker confirm within `timeoutMs`, waiting for a connection if there is none. A
   * confirm lost with its channel is retried on the next connection (same message id, so a consumer that
   * got both dedupes) until the time is up.
   */
  private publishRaw(
    exchange: string,
    routingKey: string,
    content: Buffer,
    options: Options.Publish,
    timeoutMs = this.settings.publishTimeoutMs,
  ): Promise<void> {
    if (this.pendingPublishes.size >= this.settings.maxPendingPublishes) {
      return Promise.reject(
        new UnavailableError(
          `${this.pendingPublishes.size} publishes already wait for RabbitMQ`,
          AMQP_ERROR_CODES.backpressure,
        ),
      );
    }
    const work = (async () => {
      const deadline = Date.now() + timeoutMs;
      let lastFailure: Error | undefined;
      for (;;) {
        let session: Session;
        try {
          session = await this.waitForSession(deadline);
        } catch (error) {
          throw lastFailure ?? error;
        }
        try {
          await session.publisher.publish(
            exchange,
            routingKey,
            content,
            options,
            Math.max(1, deadline - Date.now()),
          );
          return;
        } catch (error) {
          if (error instanceof UnroutableError) {
            // A declared queue is gone (deleted by hand?). Reconnecting re-declares the topology; the
            // message was not delivered, so sending it again after that cannot duplicate it.
            lastFailure = error;
            this.dropSession(session, `no queue for "${routingKey}", re-declaring the topology`);
          } else if (error instanceof ChannelClosedError) {
            this.dropSession(session, 'publish channel lost');
          } else {
            throw error;
          }
        }
      }
    })();
    this.pendingPublishes.add(work);
    void work.then(
      () => this.pendingPublishes.delete(work),
      () => this.pendingPublishes.delete(work),
    );
    return work;
  }

  private async waitForSession(deadline: number): Promise<Session> {
    for (;;) {
      // While closing, a live connection still serves handlers that publish as they finish.
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

  private usableSession(): Session | undefined {
    const session = this.session;
    return session && !session.broken && !session.publisher.isClosed ? session : undefined;
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

  // --- helpers -------------------------------------------------------------------------------------

  private consumerHost(): ConsumerHost {
    return {
      topology: this.topology,
      logger: this.log,
      maxMessageBytes: this.settings.maxMessageBytes,
      publishRaw: (exchange, routingKey, content, options) =>
        this.publishRaw(exchange, routingKey, content, options),
      requestReconnect: (reason, connection) => {
        const session = this.session;
        if (session?.connection === connection) this.dropSession(session, reason);
      },
      isClosing: () => this.stop.signal.aborted,
      shutdownSignal: this.handlersAbort.signal,
    };
  }

  private withSetupLock<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.setupChain.then(fn, fn);
    this.setupChain = run.catch(() => undefined);
    return run;
  }

  private assertStarted(): void {
    if (!this.loop) throw new Error('AmqpClient.start() has not been called');
  }

  private recordError(error: unknown): void {
    this.lastError = {
      message: error instanceof Error ? error.message : String(error),
      at: new Date().toISOString(),
    };
  }

  /** The URL with a heartbeat unless it sets one, so a silently dead broker is noticed. */
  private connectUrl(): string {
    try {
      const url = new URL(this.settings.url);
      if (!url.searchParams.has('heartbeat'))
        url.searchParams.set('heartbeat', String(this.settings.heartbeatSeconds));
      return url.toString();
    } catch {
      return this.settings.url;
    }
  }

  /** host:port/vhost, never the credentials. */
  private brokerLabel(): string {
    try {
      const url = new URL(this.settings.url);
      return `${url.hostname}:${url.port || '5672'}${url.pathname}`;
    } catch {
      return 'invalid RABBITMQ_URL';
    }
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
