import type { z } from 'zod';
import type { Envelope } from '@arasul/contracts/envelope';
import {
  type EventPayload,
  type EventPayloadInput,
  type EventType,
  eventSchemas,
  isEventType,
} from '@arasul/contracts/events';
import {
  type JobPayload,
  type JobPayloadInput,
  type JobQueueName,
  jobSchemas,
  isJobQueueName,
} from '@arasul/contracts/jobs';
import { AppError } from '../errors';
import type { HealthCheck } from '../health';
import type { Logger } from '../logger';
import { AmqpConnection } from './connection';
import type {
  ConsumeOptions,
  IdempotencyOptions,
  MessageHandler,
  TransactionalMessageHandler,
} from './consumer';
import { type ConsumerHandle, ConsumerRegistry } from './consuming';
import { AMQP_ERROR_CODES } from './publisher';
import { EnvelopePublisher, type PublishOptions } from './publishing';
import { type RetryPolicy, Topology } from './topology';

export type { ConsumerHandle } from './consuming';
export type { PublishOptions } from './publishing';

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

/**
 * The one AMQP connection of a service: a facade over connection management (`AmqpConnection`:
 * reconnecting forever, re-declaring the topology, restarting consumers), publishing
 * (`EnvelopePublisher`: contract-checked envelopes, broker confirms, bounded waiting) and consuming
 * (`ConsumerRegistry` + `QueueConsumer`: validate, handler, ack, retry tiers, DLQ).
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
  private readonly connection: AmqpConnection;
  private readonly publisher: EnvelopePublisher;
  private readonly consumers: ConsumerRegistry;
  private readonly publishTimeoutMs: number;
  private readonly closeTimeoutMs: number;
  private closing: Promise<void> | undefined;

  constructor(options: AmqpClientOptions) {
    this.topology = options.topology ?? new Topology();
    this.log = options.logger.child({ module: 'amqp' });
    this.publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    const maxMessageBytes = options.maxMessageBytes ?? 1024 * 1024;
    this.connection = new AmqpConnection(
      {
        url: options.url,
        connectionName: options.connectionName ?? options.service,
        connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
        heartbeatSeconds: options.heartbeatSeconds ?? 15,
        reconnectInitialDelayMs: options.reconnectInitialDelayMs ?? 250,
        reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 15_000,
        closeTimeoutMs: this.closeTimeoutMs,
      },
      this.topology,
      this.log,
      (connection) => this.consumers.startAll(connection),
    );
    this.publisher = new EnvelopePublisher(
      {
        service: options.service,
        publishTimeoutMs: this.publishTimeoutMs,
        maxPendingPublishes: options.maxPendingPublishes ?? 1_000,
        maxMessageBytes,
      },
      this.connection,
    );
    this.consumers = new ConsumerRegistry(
      { maxMessageBytes, closeTimeoutMs: this.closeTimeoutMs },
      this.topology,
      this.log,
      this.connection,
      this.publisher,
    );
  }

  /** Starts connecting in the background (idempotent). Use `waitUntilConnected` to block on it. */
  start(): this {
    if (this.closing) throw new Error('AmqpClient is closed');
    this.connection.start();
    return this;
  }

  get isConnected(): boolean {
    return this.connection.isConnected;
  }

  /** Resolves once connected; rejects with `rabbitmq_unavailable` after `timeoutMs`. */
  async waitUntilConnected(timeoutMs = this.publishTimeoutMs): Promise<void> {
    this.assertStarted();
    await this.connection.waitForSession(Date.now() + timeoutMs);
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
    this.assertStarted();
    const envelope = this.publisher.buildEnvelope(routingKey, schema, payload, options);
    await this.publisher.publishEnvelope(
      this.topology.exchange,
      routingKey,
      envelope,
      false,
      options.timeoutMs,
    );
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
    this.assertStarted();
    const envelope = this.publisher.buildEnvelope(queue, jobSchemas[queue], payload, options);
    // Mandatory: a job that reaches no queue is an error, not a silent drop.
    await this.publisher.publishEnvelope(
      '',
      this.topology.queueName(queue),
      envelope,
      true,
      options.timeoutMs,
    );
    return envelope as Envelope<JobPayload<Q>>;
  }

  /**
   * Declares a subscriber queue bound to event patterns (see `Topology.subscribe`) and, when connected,
   * creates it on the broker now; otherwise it is created on connect.
   */
  subscribe(
    queue: string,
    patterns: readonly string[],
    options: { retry?: RetryPolicy } = {},
  ): Promise<void> {
    return this.consumers.subscribe(queue, patterns, options);
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
    return this.consumers.consume(
      queue,
      payloadSchema,
      handler as Parameters<ConsumerRegistry['consume']>[2],
      options,
    );
  }

  /** Readiness: down while disconnected; reports per-consumer counters either way. */
  healthCheck(): HealthCheck {
    return {
      name: 'rabbitmq',
      check: async () => {
        const consumers = this.consumers.stats();
        if (!this.connection.isConnected) {
          const message = this.connection.lastErrorMessage();
          throw new Error(`not connected to RabbitMQ${message === undefined ? '' : `: ${message}`}`);
        }
        const { connectedSince, reconnects, lastError } = this.connection.status();
        return {
          connectedSince,
          reconnects,
          pendingPublishes: this.publisher.pendingCount,
          lastError,
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
    const deadline = Date.now() + this.closeTimeoutMs;
    this.connection.beginClose();
    await this.consumers.stopAll(deadline);
    await this.publisher.settle(deadline);
    await this.connection.finishClose(deadline);
    this.consumers.clear();
    this.log.info('rabbitmq client closed');
  }

  private assertStarted(): void {
    if (!this.connection.started) throw new Error('AmqpClient.start() has not been called');
  }
}
